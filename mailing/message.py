"""One outbox row as an e-mail: headers for bulk mail, a recognisable Message-ID, the opt-out line.

The Message-ID is one per outbox row, ``<custbot.MAILING.RUN.CUSTOMER@domain>``, the same on
every attempt: a message sent again after a crash (docs/mailing.md) can be recognised by it.
With ``[smtp.one_click] url`` set, ``List-Unsubscribe`` carries the recipient's signed one-click
link (RFC 8058) before the ``mailto:`` address, and the closing line shows the link.

Example::

    msg = build_message(row, settings.smtp)
    msg["Message-ID"]  # '<custbot.4.1.77@example.com>' for mailing 4, run 1, customer 77
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import quote

from mailing.errors import MailingError
from mailing.settings import SmtpSettings
from mailing.unsubscribe import one_click_link

__all__ = ["build_message", "message_id", "unsubscribe_link", "footer", "FOOTER"]

FOOTER = (
    "\n\n-- \nYou receive this e-mail as our customer. To stop receiving these e-mails: {link}\n"
)


def message_id(mailing_id: int, run_no: int, customer_id: int, from_address: str) -> str:
    """``<custbot.MAILING.RUN.CUSTOMER@domain>``: a re-send carries the same id."""
    domain = from_address.rpartition("@")[2].strip(" >") or "custbot.invalid"
    return f"<custbot.{mailing_id}.{run_no}.{customer_id}@{domain}>"


def unsubscribe_link(settings: SmtpSettings, email: str, customer_id: int) -> str:
    """``smtp.unsubscribe`` with ``{email}`` and ``{customer}`` filled in (URL-quoted)."""
    return settings.unsubscribe.replace("{email}", quote(email, safe="")).replace(
        "{customer}", str(customer_id)
    )


def footer(link: str) -> str:
    """The closing lines that say how to opt out."""
    human = link.removeprefix("mailto:").split("?", 1)[0] if link.startswith("mailto:") else link
    how = f"write to {human} (subject: unsubscribe)" if link.startswith("mailto:") else human
    return FOOTER.format(link=how)


def _address(value: str | None) -> str:
    address = (value or "").strip()
    name, parsed = parseaddr(address)
    if not parsed or parsed != address or "@" not in parsed or any(c in address for c in "\r\n"):
        raise MailingError(f"{value!r} is not one e-mail address")
    return parsed


def _header(value: str) -> str | Header:
    value = " ".join(value.split())  # no line breaks can reach a header
    return value if value.isascii() else Header(value, "utf-8")


def build_message(
    row: Any,
    settings: SmtpSettings,
    one_click_secret: bytes | None = None,
    now: datetime | None = None,
) -> Message:
    """The message for an outbox row (needs mailing_id, run_no, customer_id, to_address,
    subject, body). Raises MailingError for an address that cannot be written.
    ``one_click_secret`` (``mailing.unsubscribe.one_click_secret``) signs the one-click link
    when ``settings.one_click.url`` is set; ``now`` is when the link's validity starts.

    Built with the compat32 classes: the modern ``EmailMessage`` header parsing took several
    milliseconds per message, more than sending it (see benchmarks/mail_outbox.py).
    """
    to = _address(row.to_address)
    link = unsubscribe_link(settings, to, row.customer_id)
    links = [link]
    if settings.one_click.url and one_click_secret is not None:
        moment = (now or datetime.now(UTC)).replace(tzinfo=None)
        link = one_click_link(
            settings.one_click, one_click_secret, row.customer_id, row.mailing_id, moment
        )
        links.insert(0, link)
    body = (row.body or "").rstrip("\n") + footer(link)
    msg = MIMEText(body, "plain", "utf-8" if not body.isascii() else "us-ascii")
    msg["From"] = settings.from_address
    msg["To"] = to
    msg["Subject"] = _header(row.subject or "")  # type: ignore[assignment]
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id(
        row.mailing_id, row.run_no, row.customer_id, settings.from_address
    )
    msg["List-Unsubscribe"] = ", ".join(f"<{u}>" for u in links)
    if len(links) > 1 or link.startswith("https://"):
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Precedence"] = "bulk"
    msg["X-Custbot-Mailing"] = f"{row.mailing_id}/{row.run_no}"
    return msg
