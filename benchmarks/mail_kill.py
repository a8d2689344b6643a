"""Kill -9 the mail sender at random points; count duplicates, losses and the kills that hit
the one window SMTP leaves open.

An aiosmtpd server on loopback (in this process) records every message it accepts, with its
Message-ID and the moment it accepted it. A sender runs in a child process; once it says it is
ready, the harness waits a random time (uniform over ``--max-delay`` seconds), sends it SIGKILL,
and classifies where the kill landed, from what the server accepted during that life and what
the outbox says after the process is gone:

- **in the window**: the server accepted a message whose row was not yet marked sent: the
  kill fell between the server's 250 to DATA and the commit of the 'sent' mark. That message
  will be sent again: the only duplicates allowed.
- **mid-attempt**: this life recorded the attempt before DATA (``data_at``) but the server
  never accepted the message: sent again, once, with no duplicate.
- **elsewhere**: starting up, claiming, between messages.

The kill is classified once the dead sender is settled: the server has seen its SMTP connection
close (a message it was still accepting is then either recorded or discarded for good) and, on
PostgreSQL, its database sessions have ended (a statement it had sent is committed or not).

A row sent again after a kill in its window is usually the first message of the sender that
takes it over, and that sender can be killed in the window of that same row: two kills, three
copies. So the harness counts per outbox row the kills in its window and how many times the
server received it: duplicates (copies beyond the first), duplicates outside the window (copies
of a row beyond the kills in that row's window), losses (never received, or not marked sent).
After the last kill a sender runs to the end (once the dead senders' leases expired). Pass:
0 losses, 0 duplicates outside the window, at most one unmarked message at a kill.

Usage::

    .venv/bin/python benchmarks/mail_kill.py --kills 50                 # SQLite
    .venv/bin/python benchmarks/mail_kill.py --kills 50 --db postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import select as select_module
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent.parent))

from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402

__all__ = ["KillResult", "measure", "main"]

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
_MESSAGE_ID = re.compile(rb"^Message-ID: <custbot\.(\d+)\.(\d+)\.(\d+)@", re.M | re.I)


@dataclass
class _Recorder:
    """aiosmtpd handler: (monotonic time, customer id) of every message it accepted, and how
    many SMTP connections are open."""

    accepted: list[tuple[float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    pace: float = 0.0  # seconds the server takes to accept a message, like a real relay
    connections: int = 0

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.pace:
            await asyncio.sleep(self.pace)  # cancelled if the client goes away meanwhile
        found = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.accepted.append((time.monotonic(), int(found.group(3)) if found else -1))
        return "250 OK queued"

    def connected(self, delta: int) -> None:
        with self.changed:
            self.connections += delta
            self.changed.notify_all()

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until no SMTP connection is open. The server closes a killed sender's connection
        when it reads the EOF, and that cancels a message it was still accepting: from then on
        nothing more of that life can be recorded (a fixed pause after the kill can end before
        the server got to it on a busy machine)."""
        with self.changed:
            if not self.changed.wait_for(lambda: self.connections == 0, timeout):
                raise RuntimeError(f"{self.connections} SMTP connections still open after a kill")


def _server(recorder: _Recorder, port: int) -> Any:
    """A loopback aiosmtpd server that tells ``recorder`` when a connection opens and closes."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class Counted(SMTP):
        def connection_made(self, transport: Any) -> None:
            recorder.connected(1)
            super().connection_made(transport)

        def connection_lost(self, error: Exception | None) -> None:
            try:
                super().connection_lost(error)  # cancels the handler of a DATA not yet answered
            finally:
                recorder.connected(-1)

    class Counting(Controller):
        def factory(self) -> SMTP:
            return Counted(self.handler, **self.SMTP_kwargs)

    return Counting(recorder, hostname="127.0.0.1", port=port)


@dataclass
class KillResult:
    backend: str
    messages: int
    kills: int  # SIGKILLs that landed while the sender was running
    in_window: int  # kills between the server accepting DATA and the 'sent' commit
    mid_attempt: int  # kills after the attempt was recorded, before the server accepted
    elsewhere: int
    duplicates: int  # extra copies the server received
    losses: int  # rows never received, or not marked sent
    seconds: float
    most_unmarked: int = 0  # most messages accepted but not marked sent at one kill (1 in flight)
    lives: list[str] = field(default_factory=list)  # one word per kill, in order
    window_rows: Counter[int] = field(default_factory=Counter)  # customer id -> kills in its window
    extra_copies: Counter[int] = field(default_factory=Counter)  # customer id -> copies beyond one

    @property
    def outside_window(self) -> int:
        """Copies of a row beyond the kills that landed in that row's window: must be 0. (A row
        can be in the window of two kills, when the sender that sends it again is killed there
        too: three copies, both allowed.)"""
        return sum(max(0, n - self.window_rows[cid]) for cid, n in self.extra_copies.items())

    @property
    def ok(self) -> bool:
        return self.losses == 0 and self.outside_window == 0 and self.most_unmarked <= 1

    def text(self) -> str:
        return (
            f"backend {self.backend}: {self.messages} messages, {self.kills} kills "
            f"({self.in_window} in the window between DATA accepted and the commit, "
            f"{self.mid_attempt} mid-attempt before DATA was accepted, {self.elsewhere} "
            f"elsewhere); duplicates {self.duplicates} ({self.outside_window} outside the "
            f"window, {len(self.extra_copies)} rows), losses {self.losses}; "
            f"{self.seconds:.1f} s -> {'PASS' if self.ok else 'FAIL'}"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(engine: Engine, n: int) -> None:
    """n customers and one mailing to all of them, enqueued."""
    from mailing import create_mailing, enqueue_due, parse_when, save_template
    from storage.schema import customers, managers

    with engine.begin() as conn:
        mid = conn.execute(
            managers.insert().values(name="Anna Ivanova", surname="Ivanova")
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            customers.insert(),
            [
                {
                    "external_id": f"K{i}",
                    "name": f"Customer {i}",
                    "city": "Berlin",
                    "email": f"c{i}@example.com",
                    "manager_id": mid,
                    "created_at": date(2025, 1, 1),
                }
                for i in range(n)
            ],
        )
        save_template(conn, "kill", "Subject: News for {{ name }}\nDear {{ name }}, hello.", None)
        create_mailing(conn, "kill", "all", "en", parse_when("now", "UTC", NOW), None, None, None)
        enqueue_due(conn, NOW, lambda c, q, lang, d: select(customers.c.id))


def _zygote(url: str, port: int, lease: int, batch: int) -> None:
    """Import everything once, then serve commands read from stdin, one per line:
    ``start NAME`` forks a sender (it prints ``ready PID``), ``kill PID`` kills it with SIGKILL,
    ``poll PID`` and ``wait PID`` report on it; the answers are ``exit PID`` or ``alive PID``.

    A fork costs milliseconds where a fresh interpreter costs seconds on a busy machine, so the
    kills land while mail is being sent rather than during imports. Only this process reaps its
    senders, and only when asked, so a PID the harness names is always its own sender's.
    """
    from sqlalchemy.engine import make_url

    from mailing.sender import send_pending
    from mailing.settings import SmtpSettings
    from storage.db import make_engine

    settings = SmtpSettings(
        host="127.0.0.1", port=port, rate_per_minute=0, from_address="news@shop.example"
    )

    def say(line: str) -> None:
        os.write(1, (line + "\n").encode())  # one write: lines of several processes never mix

    children: set[int] = set()
    say("zygote")
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "start":
            pid = os.fork()
            if pid == 0:  # the sender: its own engine, its own connections, named after it
                named = make_url(url)
                if named.get_backend_name() == "postgresql":
                    named = named.update_query_dict({"application_name": arg})
                engine = make_engine(named.render_as_string(hide_password=False))
                say(f"ready {os.getpid()}")
                send_pending(engine, settings, worker_id=arg, batch=batch, lease_seconds=lease)
                os._exit(0)
            children.add(pid)
            continue
        pid = int(arg)
        if pid not in children:
            say(f"exit {pid}")
            continue
        if command == "kill":
            os.kill(pid, signal.SIGKILL)
        done, _ = os.waitpid(pid, os.WNOHANG if command == "poll" else 0)
        if done:
            children.discard(pid)
        say(f"{'exit' if done else 'alive'} {pid}")


class _Senders:
    """The harness side of the zygote: start a sender, kill it, know when it is gone."""

    def __init__(self, url: str, port: int, lease: int, batch: int) -> None:
        args = [sys.executable, str(HERE), "--zygote", url, str(port), str(lease), str(batch)]
        env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._expect("zygote", 120)

    def _expect(self, prefix: str, timeout: float) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select_module.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith(prefix):
            raise RuntimeError(f"the sender zygote said {line!r}, expected {prefix!r}")
        return line

    def _ask(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()
        return self._expect("", 600)

    def start(self, worker: str) -> int:
        line = self._ask(f"start {worker}")
        if not line.startswith("ready "):
            raise RuntimeError(f"the sender did not start: {line!r}")
        return int(line.split()[1])

    def running(self, pid: int) -> bool:
        return self._ask(f"poll {pid}").startswith("alive")

    def wait(self, pid: int) -> None:
        self._ask(f"wait {pid}")

    def kill(self, pid: int) -> None:
        self._ask(f"kill {pid}")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(30)


def _settle_database(engine: Engine, worker: str, timeout: float = 30.0) -> None:
    """On PostgreSQL, wait until the killed sender's sessions are gone: a statement it had sent
    before the kill (a 'sent' mark) is then committed or rolled back, not still running.
    (A SQLite write happens inside the sender's process, so it ended with it.)"""
    if engine.dialect.name != "postgresql":
        return
    query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :worker")
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            if not conn.scalar(query, {"worker": worker}):
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the sessions of the killed sender {worker} are still open")
        time.sleep(0.005)


def _rows(engine: Engine) -> dict[int, tuple[str, str | None, object]]:
    from storage.schema import mail_outbox as ob

    with engine.connect() as conn:
        return {
            cid: (state, by, data_at)
            for cid, state, by, data_at in conn.execute(
                select(ob.c.customer_id, ob.c.state, ob.c.claimed_by, ob.c.data_at)
            )
        }


def measure(
    url: str,
    kills: int,
    *,
    messages: int | None = None,
    seed: int = 16,
    max_delay: float = 0.25,
    lease: int = 1,
    batch: int = 5,
    pace: float = 0.01,
) -> KillResult:
    """Send ``messages`` (default 20 per kill) through senders killed ``kills`` times at random
    points, then finish; the database at ``url`` must be migrated and empty.

    The server takes ``pace`` seconds to accept each message, so one life sends at most
    ``max_delay / pace`` messages however fast the machine is, and every kill lands while mail
    is being sent (on a loopback server with no pace a quick machine sent everything in 8 lives).
    """
    from storage.db import make_engine
    from storage.schema import mail_outbox as ob

    started = time.monotonic()
    rng = random.Random(seed)
    engine = make_engine(url)
    n = messages or 20 * kills
    _prepare(engine, n)
    recorder, port = _Recorder(pace=pace), _free_port()
    controller = _server(recorder, port)
    controller.start()
    result = KillResult(engine.dialect.name, n, 0, 0, 0, 0, 0, 0, 0.0)
    senders = _Senders(url, port, lease, batch)
    try:
        life = 0
        while result.kills < kills and life < 4 * kills:
            life += 1
            worker = f"victim{life}"
            seen = len(recorder.accepted)
            before = _rows(engine)
            pid = senders.start(worker)
            time.sleep(rng.uniform(0, max_delay))
            if not senders.running(pid):  # it ran out of claimable rows before the kill
                if not _rows_pending(engine):
                    break
                time.sleep(lease)  # let the dead senders' leases expire
                continue
            senders.kill(pid)
            recorder.settle()  # a message written in full before the kill may still be accepted
            _settle_database(engine, worker)
            result.kills += 1
            rows = _rows(engine)
            with recorder.lock:
                accepted = [cid for _, cid in recorder.accepted[seen:]]
            window = [cid for cid in accepted if rows[cid][0] != "sent"]
            attempt = [  # data_at written in this life: a row taken over keeps its old one
                cid
                for cid, (state, by, data_at) in rows.items()
                if by == worker
                and state == "pending"
                and data_at is not None
                and data_at != before[cid][2]
                and cid not in accepted
            ]
            result.most_unmarked = max(result.most_unmarked, len(window))
            result.window_rows.update(window)
            kind = "window" if window else "attempt" if attempt else "elsewhere"
            result.lives.append(kind)
            result.in_window += kind == "window"
            result.mid_attempt += kind == "attempt"
            result.elsewhere += kind == "elsewhere"
        for _ in range(20):  # finish: the dead senders' leases expire, one sender sends the rest
            if not _rows_pending(engine):
                break
            time.sleep(lease + 0.2)
            senders.wait(senders.start("heir"))
        rows = _rows(engine)
        with recorder.lock:
            received = Counter(cid for _, cid in recorder.accepted)
        result.extra_copies = Counter({cid: k - 1 for cid, k in received.items() if k > 1})
        result.duplicates = sum(result.extra_copies.values())
        result.losses = sum(
            1 for cid, (state, _, _) in rows.items() if state != "sent" or not received[cid]
        )
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(ob)) == n
    finally:
        senders.close()
        controller.stop()
        engine.dispose()
    result.seconds = time.monotonic() - started
    return result


def _rows_pending(engine: Engine) -> bool:
    from storage.schema import mail_outbox as ob

    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).where(ob.c.state == "pending")))


def _database(url: str | None) -> tuple[str, object]:
    """A migrated, empty database: a temporary SQLite file, or a new schema on PostgreSQL."""
    from storage.db import connect

    if url is None:
        folder = tempfile.TemporaryDirectory()
        target = f"sqlite:///{folder.name}/kill.sqlite"
        connect(target).dispose()
        return target, folder
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    target = f"{url}{sep}options=-csearch_path%3D{schema}"
    connect(target).dispose()
    return target, (admin, schema)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--zygote":
        url, port, lease, batch = sys.argv[2:6]
        _zygote(url, int(port), int(lease), int(batch))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--messages", type=int, help="default: 20 per kill")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--max-delay", type=float, default=0.25, help="seconds after start")
    args = parser.parse_args()
    url, keep = _database(args.db)
    try:
        result = measure(
            url, args.kills, messages=args.messages, seed=args.seed, max_delay=args.max_delay
        )
    finally:
        if isinstance(keep, tuple):
            admin, schema = keep
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    print(result.text())
    print("kills in order:", " ".join(result.lives))
    raise SystemExit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
