"""The one-click unsubscribe endpoint (RFC 8058): an ASGI app for the links in customers' mail.

- ``POST URL?t=TOKEN`` with the body ``List-Unsubscribe=One-Click`` (what a mail client sends
  for ``List-Unsubscribe-Post``, and what the page's button sends) opts the customer out, as an
  audited change, and answers 200. Repeating it changes nothing more.
- ``GET URL?t=TOKEN`` only shows a small page with that button: mail scanners and link
  previews fetch links, so a GET never unsubscribes anyone.
- A malformed token answers 400, a forged one 403, an expired one 410, a POST without the
  one-click field 400: nothing changes. Other methods: 405. No redirects.

Pages are in the mailing's language. Tokens: ``mailing.unsubscribe``.

Example::

    app = unsubscribe_app(engine, settings.smtp.one_click, secret, language="en")
    route({"/unsubscribe": app})
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from datetime import UTC, datetime
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Engine, select

from bot.http import ASGIApp, Receive, Scope, Send
from bot.i18n import translator
from mailing.unsubscribe import TokenError, recipient, unsubscribe, verify_token
from storage.schema import mailings

__all__ = ["unsubscribe_app"]

MAX_BODY = 64 * 1024
_STATUS = {"malformed": 400, "forged": 403, "expired": 410}


def _page(title: str, text: str, form: str = "") -> bytes:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='robots' content='noindex'><title>{html.escape(title)}</title></head>"
        "<body style='font-family: sans-serif; max-width: 32em; margin: 3em auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{form}</body></html>"
    ).encode()


def _one_click(body: bytes, content_type: str) -> bool:
    """Whether the POST body carries ``List-Unsubscribe=One-Click`` (urlencoded or multipart)."""
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser().parsebytes(head + body)
        for part in message.walk() if message.is_multipart() else ():
            if part.get_param("name", header="content-disposition") == "List-Unsubscribe":
                payload = part.get_payload(decode=True)
                return isinstance(payload, bytes) and payload.strip() == b"One-Click"
        return False
    fields = parse_qs(body.decode("utf-8", "replace"))
    return fields.get("List-Unsubscribe") == ["One-Click"]


async def _body(receive: Receive) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def unsubscribe_app(
    engine: Engine,
    secret: bytes,
    *,
    language: str = "en",
    now: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None),
) -> ASGIApp:
    """The ASGI app; ``secret`` is ``mailing.unsubscribe.one_click_secret(...)``, ``language``
    the pages' language when the mailing has none, ``now`` the clock (naive UTC)."""

    def handle(method: str, token: str, body: bytes | None, content_type: str) -> tuple[int, bytes]:
        lang = language
        try:
            request = verify_token(secret, token, now())
        except TokenError as e:
            _ = translator(lang)
            texts = {
                "expired": _(
                    "This unsubscribe link has expired. Use the link in a newer e-mail from us, "
                    "or reply to the e-mail with the word unsubscribe."
                ),
            }
            text = texts.get(
                e.kind,
                _(
                    "This unsubscribe link is not valid. Open the link exactly as it is in the "
                    "e-mail, or reply to the e-mail with the word unsubscribe."
                ),
            )
            return _STATUS[e.kind], _page(_("Unsubscribe"), text)
        with engine.begin() as conn:
            lang = (
                conn.scalar(select(mailings.c.language).where(mailings.c.id == request.mailing_id))
                or language
            )
            _ = translator(lang)
            found = recipient(conn, request)
            email = (found[0] if found else None) or _("this address")
            if method == "POST":
                if body is None or not _one_click(body, content_type):
                    return 400, _page(
                        _("Unsubscribe"),
                        _("Nothing was changed: press the button on the unsubscribe page."),
                    )
                unsubscribe(conn, request)
                done = _("You are unsubscribed: we will not send e-mails to {email} again.")
                return 200, _page(_("Unsubscribed"), done.format(email=email))
        if found is None or found[1]:
            done = _("You are unsubscribed: we will not send e-mails to {email} again.")
            return 200, _page(_("Unsubscribed"), done.format(email=email))
        form = (
            f"<form method='post' action='?t={html.escape(token, quote=True)}'>"
            "<input type='hidden' name='List-Unsubscribe' value='One-Click'>"
            f"<button type='submit'>{html.escape(_('Unsubscribe'))}</button></form>"
        )
        ask = _("Stop our e-mails to {email}?").format(email=email)
        return 200, _page(_("Unsubscribe"), ask, form)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method = scope["method"]
        _ = translator(language)
        status, page = 405, _page(_("Unsubscribe"), _("Open the link from the e-mail."))
        if method in ("GET", "HEAD", "POST"):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            token = (query.get("t") or [""])[0]
            body = await _body(receive) if method == "POST" else b""
            headers = dict(scope.get("headers") or [])
            content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
            if body is None:
                status, page = 413, _page(_("Unsubscribe"), _("Open the link from the e-mail."))
            else:
                status, page = await asyncio.to_thread(handle, method, token, body, content_type)
        response: list[Any] = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"x-robots-tag", b"noindex"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if status == 405:
            response.append((b"allow", b"GET, HEAD, POST"))
        await send({"type": "http.response.start", "status": status, "headers": response})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else page})

    return app
