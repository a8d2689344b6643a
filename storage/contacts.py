"""Customers by their email or phone: phones normalised to E.164 (``phonenumbers``), stored in
``customers.phone_e164`` by every writer (import, edit, create, the demo generator), and the
lookups a chat uses, always within the reader's scope.

Example::

    normalise_phone("8 (912) 345-67-89", "RU")        # '+79123456789'
    looks_like_email("office@romashka.ru")            # True
    find_by_contact(conn, "+7 912 345-67-89", scope, region="RU")  # [(id, name, city)]
"""

from __future__ import annotations

import re

from pydantic import field_validator
from sqlalchemy import Connection, func, select

from storage.schema import customers
from storage.scope import CustomerScope
from storage.settings import SettingsModel

__all__ = [
    "CustomerSettings",
    "normalise_phone",
    "looks_like_email",
    "looks_like_phone",
    "find_by_contact",
    "default_region",
]

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s()\-.]{6,}$")
_DATE = re.compile(r"^\d{1,4}[.\-/]\d{1,2}[.\-/]\d{1,4}$")  # 01.03.2026 is a date, not a phone


class CustomerSettings(SettingsModel):
    """``[customers]``: how customers' contacts are read."""

    # the region a phone written without a country code belongs to (ISO 3166, e.g. RU, KZ, DE)
    phone_region: str = "RU"

    @field_validator("phone_region")
    @classmethod
    def _region(cls, v: str) -> str:
        import phonenumbers  # imported where used: a question without a phone never loads it

        code = v.strip().upper()
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{v!r} is not a region phonenumbers knows (e.g. RU, KZ, DE)")
        return code

    def apply(self) -> None:
        """Make ``phone_region`` the default of this process's lookups (``default_region``)."""
        _REGION[0] = self.phone_region


_REGION = ["RU"]


def default_region() -> str:
    """The configured ``[customers] phone_region`` (RU until a configuration is applied)."""
    return _REGION[0]


def normalise_phone(text: str | None, region: str | None) -> str | None:
    """``text`` as E.164 (``+79123456789``), or None when it is no possible phone number.

    ``region`` is the country of a number written without its code (``8 912 …`` in RU)."""
    if not text or not text.strip():
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 if len(e164) <= 16 else None


def looks_like_email(text: str) -> bool:
    """Whether ``text`` is one email address (nothing else around it)."""
    return bool(_EMAIL.match(text.strip()))


def looks_like_phone(text: str) -> bool:
    """Whether ``text`` is written like one phone number (digits, spaces, ``+()-.``)."""
    s = text.strip()
    return bool(_PHONE.match(s)) and not _DATE.match(s) and sum(c.isdigit() for c in s) >= 6


def find_by_contact(
    conn: Connection,
    text: str,
    scope: CustomerScope,
    *,
    region: str | None = None,
    limit: int = 10,
) -> list[tuple[int, str, str | None]] | None:
    """Customers in ``scope`` with this email (any case) or phone (any way of writing it; a
    number without its country code is in ``region``, default the configured one); None when
    ``text`` is neither an email nor a phone number."""
    base = select(customers.c.id, customers.c.name, customers.c.city).where(scope.condition())
    typed = text.strip()
    if looks_like_email(typed):
        exact = customers.c.email.in_(sorted({typed, typed.lower()}))
        rows = conn.execute(base.where(exact).order_by(customers.c.name).limit(limit)).all()
        if not rows:  # stored in another case: every email lower-cased (a scan)
            any_case = func.lower(customers.c.email) == typed.lower()
            rows = conn.execute(base.where(any_case).order_by(customers.c.name).limit(limit)).all()
        return [(r[0], r[1], r[2]) for r in rows]
    if looks_like_phone(typed):
        e164 = normalise_phone(typed, region or default_region())
        if e164 is None:
            return []
        same = customers.c.phone_e164 == e164
        rows = conn.execute(base.where(same).order_by(customers.c.name).limit(limit)).all()
        return [(r[0], r[1], r[2]) for r in rows]
    return None
