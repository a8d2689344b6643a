"""The demo's structure: places, industries, people and tags, as language-neutral data.

Structure (keys, weights, who covers which region) is language-neutral; every visible word comes
from ``storage.demo_words.TEXT[lang]``, so a new language is one more dict, never a code branch.
Example::

    from storage.demo_catalog import CITIES
    CITIES["kazan"].region   # 'volga'
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "LANGUAGES",
    "City",
    "CITIES",
    "PHONE_PREFIX",
    "INDUSTRIES",
    "AFFINITY",
    "Manager",
    "MANAGERS",
    "TAGS",
    "INTERACTION_KINDS",
]

LANGUAGES = ("en", "ru")


class City(NamedTuple):
    region: str | None  # None abroad: no region name that could collide with a city
    country: str
    weight: float  # share of customers


CITIES: dict[str, City] = {
    "moscow": City("central", "russia", 20),
    "spb": City("northwest", "russia", 11),
    "kazan": City("volga", "russia", 7),
    "novosibirsk": City("siberia", "russia", 5),
    "yekaterinburg": City("ural", "russia", 6),
    "nizhny": City("volga", "russia", 5),
    "samara": City("volga", "russia", 4),
    "voronezh": City("central", "russia", 3),
    "tula": City("central", "russia", 2),
    "khimki": City("moscow_oblast", "russia", 2.5),
    "podolsk": City("moscow_oblast", "russia", 2),
    "kaliningrad": City("northwest", "russia", 2),
    "ufa": City("volga", "russia", 3),
    "perm": City("ural", "russia", 3),
    "chelyabinsk": City("ural", "russia", 3),
    "krasnodar": City("south", "russia", 4),
    "rostov": City("south", "russia", 3.5),
    "omsk": City("siberia", "russia", 2),
    "krasnoyarsk": City("siberia", "russia", 2.5),
    "vladivostok": City("far_east", "russia", 1.5),
    "almaty": City(None, "kazakhstan", 1.5),
    "astana": City(None, "kazakhstan", 1),
    "minsk": City(None, "belarus", 1.5),
    "berlin": City(None, "germany", 0.5),
}
PHONE_PREFIX = {"russia": "+7 9", "kazakhstan": "+7 70", "belarus": "+375 29", "germany": "+49 30"}

INDUSTRIES: dict[str, float] = {
    "manufacturing": 22,
    "construction": 24,
    "retail": 13,
    "agriculture": 7,
    "logistics": 7,
    "energy": 5,
    "mining": 4,
    "automotive": 8,
    "wholesale": 10,
}
# How much more than average an industry buys of a product category.
AFFINITY: dict[str, dict[str, float]] = {
    "manufacturing": {"power_tools": 1.4, "consumables": 1.8, "welding": 2.5, "measuring": 1.5},
    "construction": {"ladders": 2.5, "fasteners": 2.2, "safety": 1.6, "power_tools": 1.3},
    "retail": {"hand_tools": 1.8, "garden": 2.0, "storage": 1.5},
    "agriculture": {"garden": 5.0, "hand_tools": 1.4, "welding": 1.5},
    "logistics": {"safety": 2.0, "storage": 2.0, "ladders": 1.5},
    "energy": {"safety": 2.5, "measuring": 2.0, "welding": 1.5},
    "mining": {"safety": 3.0, "welding": 2.0, "consumables": 1.5},
    "automotive": {"hand_tools": 2.5, "storage": 2.0, "power_tools": 1.2},
    "wholesale": {"consumables": 1.3, "fasteners": 1.5},
}


class Manager(NamedTuple):
    key: str
    role: str  # rep | manager | admin
    team_lead: str | None
    territory: tuple[str | None, ...]  # region keys (None = abroad) whose customers they take


MANAGERS: list[Manager] = [
    Manager("ivanov", "rep", "sidorov", ("central",)),
    Manager("petrova", "rep", "sidorov", ("central", "moscow_oblast")),
    Manager("smirnova", "rep", "sidorov", ("central", "northwest")),
    Manager("kuznetsov", "rep", "popova", ("northwest", None)),
    Manager("volkov", "rep", "popova", ("volga",)),
    Manager("sokolova", "rep", "popova", ("volga", "south")),
    Manager("morozov", "rep", "popova", ("ural", "siberia")),
    Manager("lebedeva", "rep", "sidorov", ("siberia", "far_east", "ural")),
    Manager("kozlov", "rep", "sidorov", ("south", "moscow_oblast", None)),
    Manager("sidorov", "manager", None, ()),
    Manager("popova", "manager", None, ()),
    Manager("novikova", "admin", None, ()),
]

TAGS = ("vip", "key-account", "newsletter", "wholesale", "tender", "partner")
# kind -> share of interactions; complaints stay a few per cent.
INTERACTION_KINDS: dict[str, float] = {
    "call": 42,
    "email": 30,
    "meeting": 9,
    "visit": 12,
    "complaint": 4,
    "quote": 3,
}
