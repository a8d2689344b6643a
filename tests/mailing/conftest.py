"""A real SMTP server on loopback (aiosmtpd) and a small customer base for the mailing tests."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Connection, Engine, Select, select

from custbot.config import SmtpSettings
from storage.schema import customers, interactions, managers, order_lines, orders, products


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RecordingHandler:
    """Accepts mail and records it; can answer 451 a few times, 550 for some addresses, or
    hold one message (never accepting it) until released."""

    messages: list[tuple[str, Message]] = field(default_factory=list)
    temporary_failures: int = 0
    reject: set[str] = field(default_factory=set)
    hold_at: int | None = None  # hold the N-th DATA (1-based) without answering
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_rcpt: Callable[[str], None] | None = None  # runs before RCPT TO is answered

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001
        if self.on_rcpt is not None:
            self.on_rcpt(address)
        if address in self.reject:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        with self.lock:
            self.seen += 1
            seen = self.seen
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "451 4.3.0 try again later"
        if self.hold_at is not None and seen == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "451 4.3.0 released without delivery"
        msg = email.message_from_bytes(envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, msg))
        return "250 OK queued"

    def per_recipient(self) -> Counter:
        with self.lock:
            return Counter(rcpt for rcpt, _ in self.messages)


@dataclass
class SmtpServer:
    handler: RecordingHandler
    port: int

    def settings(self, **overrides: object) -> SmtpSettings:
        values: dict = {
            "host": "127.0.0.1",
            "port": self.port,
            "rate_per_minute": 0,
            "from_address": "news@shop.example",
            "unsubscribe": "mailto:unsubscribe@shop.example?subject=unsubscribe",
        }
        values.update(overrides)
        return SmtpSettings(**values)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(handler, port)
    finally:
        handler.release.set()
        controller.stop()


TODAY = date(2026, 11, 22)


def seed(conn: Connection, n: int = 10, *, city: str = "Berlin") -> list[int]:
    """``n`` customers in ``city`` with e-mails c{i}@example.com, two managers, some orders."""
    existing = conn.scalar(select(managers.c.id).where(managers.c.name == "Anna Ivanova"))
    if existing is None:
        conn.execute(
            managers.insert(),
            [
                {"name": "Anna Ivanova", "surname": "Ivanova", "email": "anna@shop.example"},
                {"name": "Boris Petrov", "surname": "Petrov", "email": "boris@shop.example"},
            ],
        )
    mids = list(conn.scalars(select(managers.c.id).order_by(managers.c.id)))
    start = conn.scalar(select(customers.c.id).order_by(customers.c.id.desc()).limit(1)) or 0
    rows = [
        {
            "external_id": f"{city}-{start + i + 1}",
            "name": f"Customer {start + i + 1}",
            "city": city,
            "email": f"c{start + i + 1}@example.com",
            "phone": f"+49 30 {start + i + 1:04d}",
            "manager_id": mids[i % 2],
            "rating": "ABC"[i % 3],
            "created_at": date(2025, 1, 1),
        }
        for i in range(n)
    ]
    conn.execute(customers.insert(), rows)
    return list(
        conn.scalars(
            select(customers.c.id).where(customers.c.city == city).order_by(customers.c.id)
        )
    )


def add_order(conn: Connection, customer_id: int, day: date, amount: float) -> None:
    """One order with one line of ``amount``."""
    pid = conn.scalar(select(products.c.id).where(products.c.sku == "SKU-1"))
    if pid is None:
        pid = conn.execute(
            products.insert().values(sku="SKU-1", name="Drill")
        ).inserted_primary_key[0]
    no = f"O-{customer_id}-{day.isoformat()}-{amount}"
    oid = conn.execute(
        orders.insert().values(order_no=no, customer_id=customer_id, date=day)
    ).inserted_primary_key[0]
    conn.execute(
        order_lines.insert().values(
            order_id=oid, line_no=1, product_id=pid, quantity=1, amount=amount
        )
    )


def add_interaction(conn: Connection, customer_id: int, when: datetime, kind: str = "call") -> None:
    conn.execute(interactions.insert().values(customer_id=customer_id, date=when, kind=kind))


def by_city(conn: Connection, query_text: str, language: str, today: date) -> Select:
    """The test audience: the query text is a city name."""
    return select(customers.c.id).where(customers.c.city == query_text)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with engine.begin() as conn:
        seed(conn, 10)
    return engine
