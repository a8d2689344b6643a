"""The neutral conversation: who asked what, and replies made of platform-free parts.

Front ends convert a platform update into a :class:`Request`, call ``ChatCore.handle``, and
render each :class:`Reply` in their own idiom. Nothing here knows Telegram or Slack.

Example::

    req = Request(who=Identity("telegram", "42"), chat_id="42", text="Moscow buyers")
    replies = await core.handle(req)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.identity import Identity  # defined apart so that bot.users needs nothing else here

__all__ = [
    "Identity",
    "Request",
    "Text",
    "Table",
    "Button",
    "Buttons",
    "File",
    "Image",
    "ChartSeries",
    "ChartData",
    "Part",
    "Reply",
    "Outbound",
]


@dataclass(frozen=True)
class Request:
    """One message typed, or one button pressed."""

    who: Identity
    chat_id: str  # the conversation the request came from
    text: str | None = None  # typed text (commands and queries alike)
    action: str | None = None  # the opaque token of a pressed button
    is_group: bool = False  # a group or channel rather than a private chat
    language: str | None = None  # the platform's language hint (e.g. Telegram language_code)


@dataclass(frozen=True)
class Text:
    text: str  # plain text: front ends escape it for their markup
    style: Literal["plain", "echo", "heading", "error", "note"] = "plain"


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None


@dataclass(frozen=True)
class Button:
    label: str
    token: str  # opaque, at most 32 ASCII characters; the meaning lives in the database
    style: Literal["default", "primary", "danger"] = "default"  # danger: destructive, confirm it
    # what kind of action it is (``next``, ``prev``, ``confirm``, ``cancel``, ``undo``,
    # ``export_csv`` …), the same for every answer; set by the core. The terminal numbers buttons
    # by it, so that a number keeps one meaning in a conversation; None for one-off choices.
    key: str | None = None


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class File:
    filename: str
    content: bytes
    mime: str
    caption: str = ""


@dataclass(frozen=True)
class ChartSeries:
    """One plotted series: a name (a legend entry or, in a grid, the row's label) and one value
    per category, in the categories' order."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class ChartData:
    """Exactly what a chart plots; the PNG is drawn from this and nothing else.

    ``kind``: ``bars`` (one horizontal bar per category: groups, a top N), ``columns`` (vertical
    bars over time: spend by month), ``curve`` (a line through the points: the ABC Pareto curve,
    categories are the x values) or ``grid`` (a heat map: categories are the columns, each
    series a row). ``value_axis`` names the measure and its unit ("net spend, RUB"); ``unit`` is
    the currency code, ``%`` or empty for counts. ``marks``: reference lines on the value axis
    (value, label), e.g. the ABC thresholds.

    Example::

        ChartData("bars", "spend by city", "city", "net spend, RUB", ("Kazan", "Moscow"),
                  (ChartSeries("net spend", (1250000.0, 980000.0)),), unit="RUB")
    """

    kind: Literal["bars", "columns", "curve", "grid"]
    title: str
    category_axis: str
    value_axis: str
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    unit: str = ""
    marks: tuple[tuple[float, str], ...] = ()


@dataclass(frozen=True)
class Image:
    filename: str
    content: bytes  # PNG
    caption: str = ""
    chart: ChartData | None = None  # what the PNG plots, when it is a chart


Part = Text | Table | Buttons | File | Image


@dataclass(frozen=True)
class Reply:
    """One message back. ``private``: customer data goes only to the asker (ephemeral in Slack,
    a direct message from a Telegram group) unless they chose to share it. ``replace``: edit the
    message whose button was pressed (paging) instead of sending a new one."""

    parts: tuple[Part, ...] = field(default_factory=tuple)
    private: bool = True
    replace: bool = False
    language: str | None = None  # the language of the answer (set by the core): what a front
    # end adds of its own ("file saved", "Share in channel") speaks it too

    @property
    def text(self) -> str:
        """All text parts joined, for logs and tests."""
        return "\n".join(p.text for p in self.parts if isinstance(p, Text))


class Outbound(Protocol):
    """What a front end offers for messages nobody asked for right now (scheduled reports)."""

    async def send(self, chat: str, reply: Reply) -> None:
        """Send ``reply`` to ``chat`` (the front end's own chat/channel id)."""
