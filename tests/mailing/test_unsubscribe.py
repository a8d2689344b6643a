"""One-click unsubscribe (RFC 8058), end to end: the link arrives in a real message through a
loopback SMTP server, and uvicorn on loopback serves it; a GET never unsubscribes, a POST does,
forged and expired links change nothing."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, select, update

from bot.http import route, run_asgi
from bot.unsubscribe import unsubscribe_app
from mailing import send_pending
from mailing.errors import MailingError
from mailing.unsubscribe import TokenError, make_token, one_click_secret, verify_token
from storage.changes import Actor
from storage.schema import audit_log, batches, customers, mailings
from storage.undo import apply_undo
from tests.mailing.conftest import SmtpServer, free_port
from tests.mailing.test_sender import NOW, _schedule

SECRET = "0123456789abcdef-unsubscribe-test"
ENV = "TEST_UNSUBSCRIBE_SECRET"
LINK = re.compile(r"<(http://[^>]+)>")


def test_tokens_round_trip_and_refuse_forgery_expiry_and_garbage() -> None:
    key = SECRET.encode()
    now = datetime(2026, 12, 4, 12, 0)
    token = make_token(key, 77, 4, now + timedelta(days=90))
    got = verify_token(key, token, now)
    assert (got.customer_id, got.mailing_id, got.expires) == (77, 4, now + timedelta(days=90))
    customer, mailing, expires, signature = token.split(".")
    cases = {
        "forged": [
            f"78.{mailing}.{expires}.{signature}",  # another recipient
            f"{customer}.{mailing}.{int(expires) + 86400}.{signature}",  # a longer life
            f"{customer}.{mailing}.{expires}.{signature[:-2]}AA",
            make_token(b"another secret of some length", 77, 4, now + timedelta(days=90)),
        ],
        "expired": [token],
        "malformed": ["", "77.4", "x.4.5.sig", f"{customer}.{mailing}.-{expires}.{signature}"],
    }
    for kind, tokens in cases.items():
        for bad in tokens:
            with pytest.raises(TokenError) as e:
                verify_token(key, bad, now + timedelta(days=91) if kind == "expired" else now)
            assert e.value.kind == kind, bad


def test_a_missing_or_short_secret_is_refused_before_any_mail(
    seeded: Engine, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _schedule(seeded)
    settings = smtp_server.settings(
        one_click={"url": "https://shop.example/unsubscribe", "secret_env": ENV}
    )
    monkeypatch.setenv(ENV, "short")
    with pytest.raises(MailingError, match=rf"\${ENV} is too short"):
        send_pending(seeded, settings, worker_id="w1", now=NOW)
    monkeypatch.delenv(ENV)
    with pytest.raises(MailingError, match=rf"\${ENV} is empty"):
        one_click_secret(settings.one_click)
    assert smtp_server.handler.messages == []


@pytest.fixture
async def endpoint(seeded: Engine) -> AsyncIterator[str]:
    """The unsubscribe endpoint under uvicorn on loopback; yields its URL."""
    port = free_port()
    stop = asyncio.Event()
    app = route({"/unsubscribe": unsubscribe_app(seeded, SECRET.encode())})
    task = asyncio.create_task(run_asgi(app, "127.0.0.1", port, stop))
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}/unsubscribe"
    stop.set()
    await asyncio.wait_for(task, 10)


def _opted_out(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return set(
            conn.scalars(select(customers.c.id).where(customers.c.opted_out_at.is_not(None)))
        )


async def test_the_link_in_the_mail_unsubscribes_on_post_and_never_on_get(
    seeded: Engine, smtp_server: SmtpServer, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, SECRET)
    _schedule(seeded)
    settings = smtp_server.settings(one_click={"url": endpoint, "secret_env": ENV})
    stats = await asyncio.to_thread(send_pending, seeded, settings, worker_id="w1")
    assert stats.sent == 10
    received = dict(smtp_server.handler.messages)
    links = {}
    for i in (1, 2, 3, 4):
        msg = received[f"c{i}@example.com"]
        header = " ".join(msg["List-Unsubscribe"].split())
        assert header.endswith(", <mailto:unsubscribe@shop.example?subject=unsubscribe>")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        (links[i],) = LINK.findall(header)
        assert links[i].startswith(f"{endpoint}?t={i}.1.")
        body = msg.get_payload(decode=True).decode()
        assert f"To stop receiving these e-mails: {links[i]}" in body

    async with httpx.AsyncClient(follow_redirects=False) as http:
        page = await http.get(links[1])  # what a scanner or a person opening the link does
        assert page.status_code == 200 and "Stop our e-mails to c1@example.com?" in page.text
        assert "name='List-Unsubscribe' value='One-Click'" in page.text
        assert (await http.head(links[1])).status_code == 200
        assert _opted_out(seeded) == set()

        done = await http.post(links[1], data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200
        assert "we will not send e-mails to c1@example.com again" in done.text
        assert _opted_out(seeded) == {1}
        assert _audit(seeded) == [
            ("opt-out", "mail", "customer:1", 1, "opted_out_at", None, True),
        ]
        again = await http.post(links[1], data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200
        assert len(_audit(seeded)) == 1  # the repeat changed nothing and wrote no batch

        forged = links[2].replace("?t=2.", "?t=5.")  # another customer's id, c2's signature
        assert (await http.post(forged, data={"List-Unsubscribe": "One-Click"})).status_code == 403
        assert (await http.get(forged)).status_code == 403
        assert (await http.post(links[3])).status_code == 400  # no one-click field
        assert (await http.post(links[3], data={"List-Unsubscribe": "yes"})).status_code == 400
        assert (await http.put(links[3])).status_code == 405
        assert (await http.get(endpoint)).status_code == 400  # no token at all
        assert _opted_out(seeded) == {1}

        # RFC 8058 allows a multipart body too
        multipart = await http.post(links[4], files={"List-Unsubscribe": (None, "One-Click")})
        assert multipart.status_code == 200
    assert _opted_out(seeded) == {1, 4}
    # the customer's opt-out is undone like any other change
    with seeded.begin() as conn:
        batch = conn.scalar(
            select(batches.c.id).where(
                batches.c.actor_id == "customer:1", batches.c.action == "opt-out"
            )
        )
        admin = Actor("cli", "cli:local", None, "local administrator (cli)")
        assert apply_undo(conn, batch, admin)[1] == 1
    assert _opted_out(seeded) == {4}


def _audit(engine: Engine) -> list[tuple]:
    """(action, platform, actor, customer, field, before, after is set) of every opt-out row."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                batches.c.action,
                batches.c.actor_platform,
                batches.c.actor_id,
                audit_log.c.customer_id,
                audit_log.c.field,
                audit_log.c.before,
                audit_log.c.after,
            )
            .join(audit_log, audit_log.c.batch_id == batches.c.id)
            .order_by(audit_log.c.id)
        ).all()
    return [(*r[:6], r[6] is not None) for r in rows]


async def test_an_expired_link_changes_nothing_and_the_page_speaks_the_mailing_language(
    seeded: Engine,
) -> None:
    key = SECRET.encode()
    issued = datetime(2026, 12, 4, 12, 0)
    _schedule(seeded)
    with seeded.begin() as conn:
        conn.execute(update(mailings).values(language="ru"))
    token = make_token(key, 6, 1, issued + timedelta(days=90))

    def client(now: datetime) -> httpx.AsyncClient:
        app = route({"/unsubscribe": unsubscribe_app(seeded, key, now=lambda: now)})
        return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://shop")

    async with client(issued + timedelta(days=91)) as late:
        r = await late.post(f"/unsubscribe?t={token}", data={"List-Unsubscribe": "One-Click"})
        assert r.status_code == 410 and "expired" in r.text
    assert _opted_out(seeded) == set()
    async with client(issued + timedelta(days=1)) as http:
        page = await http.get(f"/unsubscribe?t={token}")
        assert page.status_code == 200
        assert "Больше не присылать письма на c6@example.com?" in page.text
        r = await http.post(f"/unsubscribe?t={token}", data={"List-Unsubscribe": "One-Click"})
        assert r.status_code == 200 and "Вы отписались" in r.text
        assert (await http.get("/elsewhere")).status_code == 404
    assert _opted_out(seeded) == {6}
