"""Benchmark of mail delivery: the outbox sender vs a bare smtplib loop, same messages, same server.

A loopback aiosmtpd server (its own process, so it does not fight the sender for the GIL)
accepts and discards the messages. The baseline sends the very messages the outbox
holds over one SMTP connection with nothing else; the outbox run claims, sends, and marks each
row sent in its own transaction (the crash-safety cost). Rate limit off. Prints mails/s for both
and the ratio (outbox / bare) of each run to the bare loop just before it, median over ``--repeat``
runs.

Usage::

    .venv/bin/python benchmarks/mail_outbox.py                       # SQLite, 2,000 mails
    .venv/bin/python benchmarks/mail_outbox.py --db postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, select, text  # noqa: E402

from custbot.config import SmtpSettings  # noqa: E402
from mailing import create_mailing, enqueue_due, parse_when, save_template, send_pending  # noqa: E402
from mailing.message import build_message  # noqa: E402
from storage.db import connect  # noqa: E402
from storage.schema import customers, mail_outbox, managers  # noqa: E402

__all__ = ["main"]

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
TEMPLATE = """Subject: News for {{ name }} in {{ city }}

Dear {{ name }},

your manager {{ manager }} has new offers for you. You are rated {{ stars }}.
Spend over the last 12 months: {{ spend_12m|money }}.

Kind regards,
{{ manager }}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    """aiosmtpd's Sink handler on loopback, in a child process; returns once it answers."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ]
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as probe:
                probe.noop()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the benchmark SMTP server did not start")


def _prepare(engine: Engine, n: int) -> int:
    """n customers, one mailing to all of them, enqueued; returns the mailing id."""
    with engine.begin() as conn:
        conn.execute(mail_outbox.delete())
        if conn.scalar(select(customers.c.id).limit(1)) is None:
            mid = conn.execute(
                managers.insert().values(name="Anna Ivanova", surname="Ivanova")
            ).inserted_primary_key[0]  # type: ignore[index]
            conn.execute(
                customers.insert(),
                [
                    {
                        "external_id": f"B{i}",
                        "name": f"Customer {i}",
                        "city": "Berlin",
                        "email": f"c{i}@example.com",
                        "manager_id": mid,
                        "rating": "ABC"[i % 3],
                        "created_at": date(2025, 1, 1),
                    }
                    for i in range(n)
                ],
            )
        save_template(conn, "bench", TEMPLATE, None)
        mailing = create_mailing(
            conn, "bench", "all", "en", parse_when("now", "UTC", NOW), None, None, None
        )
        enqueue_due(conn, NOW, lambda c, q, lang, d: select(customers.c.id))
    return mailing


def _bare(engine: Engine, settings: SmtpSettings) -> tuple[int, float]:
    """The floor: the same messages through one smtplib connection, nothing else."""
    with engine.connect() as conn:
        rows = conn.execute(select(mail_outbox).where(mail_outbox.c.state == "pending")).all()
    messages = [(build_message(r, settings), r.to_address) for r in rows]
    start = time.perf_counter()
    with smtplib.SMTP(settings.host, settings.port) as client:
        for msg, to in messages:
            client.send_message(msg, from_addr=settings.from_address, to_addrs=[to])
    return len(messages), time.perf_counter() - start


def _outbox(engine: Engine, settings: SmtpSettings, durable: bool) -> tuple[int, float]:
    start = time.perf_counter()
    stats = send_pending(engine, settings, worker_id="bench", batch=200, durable_marks=durable)
    return stats.sent, time.perf_counter() - start


def _database(url: str | None) -> tuple[Engine, object]:
    if url is None:
        folder = tempfile.TemporaryDirectory()
        return connect(f"sqlite:///{folder.name}/bench.sqlite"), folder
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    return connect(f"{url}{sep}options=-csearch_path%3D{schema}"), (admin, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("-n", type=int, default=2000, help="messages per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--durable",
        action="store_true",
        help="PostgreSQL: wait for the WAL flush on every 'sent' mark",
    )
    args = parser.parse_args()
    engine, keep = _database(args.db)
    port = _free_port()
    server = _start_server(port)
    settings = SmtpSettings(
        host="127.0.0.1", port=port, rate_per_minute=0, from_address="news@shop.example"
    )
    try:
        bare, outbox = [], []
        for _ in range(args.repeat):
            _prepare(engine, args.n)
            n, seconds = _bare(engine, settings)
            bare.append(n / seconds)
            n, seconds = _outbox(engine, settings, args.durable)
            assert n == args.n, f"the outbox sent {n} of {args.n}"
            outbox.append(n / seconds)
        ratios = sorted(ob / ba for ob, ba in zip(outbox, bare, strict=True))
        marks = " (durable marks)" if args.durable else ""
        print(f"backend {engine.dialect.name}{marks}, {args.n} messages, {args.repeat} runs")
        print(
            f"bare smtplib loop : median {statistics.median(bare):6.0f}  best {max(bare):6.0f} mails/s"
        )
        print(
            f"outbox sender     : median {statistics.median(outbox):6.0f}  best {max(outbox):6.0f} mails/s"
        )
        print(
            f"ratio outbox/bare : median {statistics.median(ratios):6.2f}  (each run against the bare "
            f"loop just before it)"
        )
        print(f"target >= 200/s   : {'met' if max(outbox) >= 200 else 'NOT met'}")
    finally:
        server.terminate()
        server.wait(10)
        engine.dispose()
        if isinstance(keep, tuple):
            admin, schema = keep
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
