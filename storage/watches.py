"""Segment watches: a query's members remembered per watch, and who entered or left since.

A run compares the query's members now (a select of customer ids, already in the recipient's
scope) with the snapshot of the last run, records the differences as one numbered run in
``watch_changes`` and replaces the snapshot, all set-based and in one transaction. The first
run only takes the snapshot (the baseline). A run is claimed by a compare-and-set on ``runs``,
so two replicas that both try it record (and notify) it once.

Example::

    with engine.begin() as conn:
        w = add_watch(conn, chat="telegram:42", owner_key="telegram:42", owner_id=1,
                      query="vip at risk", query_language="en", language="en")
        done = advance(conn, get_watch(conn, w), ids, generation=7, today=day, now=at)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from storage.changes import utcnow
from storage.columnar.generation import read_generations
from storage.schema import audit_log, customers, watch_changes, watch_members, watches

__all__ = [
    "Watch",
    "Advance",
    "add_watch",
    "get_watch",
    "list_watches",
    "drop_watch",
    "data_generation",
    "advance",
    "set_reasons",
    "member_count",
    "add_demo_watch",
    "postpone",
    "notice_sent",
    "owes",
    "notice_failed",
    "notices_to_retry",
    "DEMO_WATCH",
]

# the demo's watch, the local administrator's (``custbot chat``: ``watches``); one of the
# demo's own examples, so it has members
DEMO_WATCH = {
    "en": "vip no purchases in last 90 days",
    "ru": "vip без покупок за последние 90 дней",
}


@dataclass(frozen=True)
class Watch:
    id: int
    chat: str
    owner_key: str
    owner_id: int | None
    query: str
    query_language: str
    language: str
    runs: int
    last_run_at: datetime | None
    last_day: date | None
    data_generation: int | None
    last_customer_id: int | None
    last_audit_id: int | None
    unsent_run: int | None = None  # a notice not delivered yet (retried at notice_retry_at)
    notice_attempts: int = 0
    notice_retry_at: datetime | None = None
    notice_error: str | None = None


@dataclass(frozen=True)
class Advance:
    """One recorded run: its number, whether it only set the baseline, and the counts."""

    run_no: int
    baseline: bool
    entered: int
    left: int


def _watch(row: Any) -> Watch:
    return Watch(**{f: getattr(row, f) for f in Watch.__dataclass_fields__})


def add_watch(
    conn: Connection,
    *,
    chat: str,
    owner_key: str,
    owner_id: int | None,
    query: str,
    query_language: str,
    language: str,
) -> int:
    """A new watch (its first run will set the baseline); its id."""
    new_id: int = conn.execute(
        insert(watches)
        .values(
            chat=chat,
            owner_key=owner_key,
            owner_id=owner_id,
            query=query,
            query_language=query_language,
            language=language,
            created_at=utcnow(),
        )
        .returning(watches.c.id)
    ).scalar_one()
    return new_id


def add_demo_watch(conn: Connection, lang: str) -> int | None:
    """The demo's watch for the local administrator, unless there is one (its id, or None)."""
    if conn.execute(select(watches.c.id).limit(1)).first() is not None:
        return None
    query = DEMO_WATCH.get(lang, DEMO_WATCH["en"])
    return add_watch(
        conn,
        chat="cli:local",
        owner_key="cli:local",
        owner_id=None,
        query=query,
        query_language=lang if lang in DEMO_WATCH else "en",
        language=lang if lang in DEMO_WATCH else "en",
    )


def get_watch(conn: Connection, watch_id: int) -> Watch | None:
    row = conn.execute(select(watches).where(watches.c.id == watch_id)).first()
    return _watch(row) if row is not None else None


def list_watches(
    conn: Connection, *, owner_key: str | None = None, chat: str | None = None
) -> list[Watch]:
    """Every watch (by id), or those set up by ``owner_key`` or posting to ``chat``."""
    q = select(watches).order_by(watches.c.id)
    if owner_key is not None or chat is not None:
        q = q.where((watches.c.owner_key == owner_key) | (watches.c.chat == chat))
    return [_watch(r) for r in conn.execute(q)]


def drop_watch(conn: Connection, watch_id: int) -> None:
    """Forget a watch, its snapshot and its recorded runs."""
    conn.execute(delete(watch_changes).where(watch_changes.c.watch_id == watch_id))
    conn.execute(delete(watch_members).where(watch_members.c.watch_id == watch_id))
    conn.execute(delete(watches).where(watches.c.id == watch_id))


def data_generation(conn: Connection) -> int:
    """A number that grows whenever customers, their orders, tags, classes or segment members
    change (the triggers of migration 0009): equal numbers mean nothing a watch reads moved."""
    return sum(read_generations(conn).values())


def member_count(conn: Connection, watch_id: int) -> int:
    return int(
        conn.execute(select(func.count()).where(watch_members.c.watch_id == watch_id)).scalar_one()
    )


def advance(
    conn: Connection,
    watch: Watch,
    ids: Select[Any],
    *,
    generation: int,
    today: date,
    now: datetime,
) -> Advance | None:
    """Record one run of ``watch`` with ``ids`` (the members now) and move its snapshot; None
    when another process recorded a run since ``watch`` was read (nothing is written)."""
    newest = conn.execute(select(func.max(customers.c.id))).scalar()
    audited = conn.execute(select(func.max(audit_log.c.id))).scalar()
    claimed = conn.execute(
        update(watches)
        .where(watches.c.id == watch.id, watches.c.runs == watch.runs)
        .values(
            runs=watch.runs + 1,
            last_run_at=now,
            last_day=today,
            data_generation=generation,
            last_customer_id=newest,
            last_audit_id=audited,
        )
    ).rowcount
    if claimed != 1:
        return None
    run_no = watch.runs + 1
    now_ids = ids.subquery()
    old = select(watch_members.c.customer_id).where(watch_members.c.watch_id == watch.id)
    entered = select(now_ids.c[0]).where(now_ids.c[0].not_in(old))
    if watch.runs == 0:
        conn.execute(
            insert(watch_members).from_select(
                ["watch_id", "customer_id"], select(literal(watch.id), now_ids.c[0])
            )
        )
        return Advance(run_no, True, 0, 0)
    left = old.where(watch_members.c.customer_id.not_in(select(now_ids.c[0])))
    cols = ["watch_id", "run_no", "customer_id", "entered"]
    for is_entered, who in ((True, entered), (False, left)):
        who_sq = who.subquery()
        conn.execute(
            insert(watch_changes).from_select(
                cols,
                select(literal(watch.id), literal(run_no), who_sq.c[0], literal(is_entered)),
            )
        )
    mine = (watch_changes.c.watch_id == watch.id) & (watch_changes.c.run_no == run_no)
    gone = select(watch_changes.c.customer_id).where(mine, ~watch_changes.c.entered)
    conn.execute(
        delete(watch_members).where(
            watch_members.c.watch_id == watch.id, watch_members.c.customer_id.in_(gone)
        )
    )
    conn.execute(
        insert(watch_members).from_select(
            ["watch_id", "customer_id"],
            select(literal(watch.id), watch_changes.c.customer_id).where(
                mine, watch_changes.c.entered
            ),
        )
    )
    counts = {
        bool(e): int(n)
        for e, n in conn.execute(
            select(watch_changes.c.entered, func.count())
            .where(mine)
            .group_by(watch_changes.c.entered)
        )
    }
    return Advance(run_no, False, int(counts.get(True, 0)), int(counts.get(False, 0)))


def postpone(conn: Connection, watch_id: int, generation: int) -> None:
    """A watch that could not run now waits for the next change of the data or the next day
    (its snapshot stays, so what changed meanwhile is told once it runs)."""
    conn.execute(update(watches).where(watches.c.id == watch_id).values(data_generation=generation))


def set_reasons(conn: Connection, watch_id: int, run_no: int, reasons: dict[int, str]) -> None:
    """Write why each customer (by id) of run ``run_no`` entered or left."""
    if not reasons:
        return
    conn.execute(
        update(watch_changes)
        .where(
            watch_changes.c.watch_id == bindparam("w"),
            watch_changes.c.run_no == bindparam("r"),
            watch_changes.c.customer_id == bindparam("c"),
        )
        .values(reason=bindparam("why")),
        [{"w": watch_id, "r": run_no, "c": cid, "why": why[:300]} for cid, why in reasons.items()],
    )


def owes(watch: Watch) -> bool:
    """Whether notices of ``watch`` are owed: run ``unsent_run`` and every later one, told in
    order (a notice given up on owes nothing: later runs are told as they come)."""
    return watch.unsent_run is not None and watch.notice_retry_at is not None


def notice_sent(
    conn: Connection, watch_id: int, run_no: int, *, now: datetime | None = None
) -> None:
    """The notice of run ``run_no`` reached its chat (or had nothing to tell). When it was the
    oldest owed, the next run is owed now (due at ``now``) until the newest is told; a notice
    given up on before it is settled; an older one still owed is not (it goes first)."""
    w = watches.c
    row = conn.execute(
        select(w.unsent_run, w.notice_retry_at, w.runs).where(w.id == watch_id)
    ).one_or_none()
    if row is None or row.unsent_run is None or row.unsent_run > run_no:
        return
    if row.unsent_run < run_no and row.notice_retry_at is not None:
        return  # an older notice is still owed: it is told first
    done = {"notice_attempts": 0, "notice_error": None}
    if run_no < row.runs:
        values = {**done, "unsent_run": run_no + 1, "notice_retry_at": now or utcnow()}
    else:
        values = {**done, "unsent_run": None, "notice_retry_at": None}
    conn.execute(update(watches).where(w.id == watch_id).values(**values))


def notice_failed(
    conn: Connection,
    watch_id: int,
    run_no: int,
    *,
    error: str,
    backoff: tuple[timedelta, ...],
    now: datetime,
) -> datetime | None:
    """No front end took the notice of run ``run_no``: count the attempt and set the next one
    (``backoff[attempts - 1]`` after ``now``); None once the backoff is spent. Given up on the
    newest run, the error stays for ``watches`` to show; on an older one, the next run is owed.
    An older notice still owed stays the one owed (the later runs come after it)."""
    w = watches.c
    before = conn.execute(
        select(w.unsent_run, w.notice_attempts, w.notice_retry_at, w.runs).where(w.id == watch_id)
    ).one_or_none()
    if before is None:
        return None
    owed = before.unsent_run is not None and before.notice_retry_at is not None
    if owed and before.unsent_run < run_no:
        retry: datetime = before.notice_retry_at
        return retry
    attempts = (before.notice_attempts if before.unsent_run == run_no else 0) + 1
    retry_at = now + backoff[attempts - 1] if attempts <= len(backoff) else None
    values: dict[str, Any] = {
        "unsent_run": run_no,
        "notice_attempts": attempts,
        "notice_retry_at": retry_at,
        "notice_error": error[:300],
    }
    if retry_at is None and run_no < before.runs:  # given up on it: the next run is owed
        values.update(unsent_run=run_no + 1, notice_attempts=0, notice_retry_at=now)
    conn.execute(update(watches).where(w.id == watch_id).values(**values))
    return retry_at


def notices_to_retry(conn: Connection, now: datetime) -> list[Watch]:
    """The watches whose undelivered notice is due to be tried again."""
    w = watches.c
    rows = conn.execute(
        select(watches).where(w.unsent_run.is_not(None), w.notice_retry_at <= now).order_by(w.id)
    )
    return [_watch(r) for r in rows]
