"""Bulk changes as random sequences (issue #16, properties): rate, unrate, tag, untag, status and
archive previews, confirmed or cancelled, and undone by different people, through the chat core
on SQLite and PostgreSQL. After every step:

- a confirmed change reports exactly the customers whose rows or tags changed, and the preview
  said that many when nothing happened in between;
- every changed value has its audit row (before and after as they were);
- a change undone right after it returns every customer row and tag to what it was (a full
  snapshot, ``updated_at`` aside: it records when the last change or undo happened);
- an undo reverts what its batch changed, except the customers changed since (its conflicts);
- a cancelled preview changes nothing.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, delete, insert, select, update

from bot.core import ChatCore
from bot.messages import Buttons, Request
from storage.schema import audit_log, batches, chat_state, customer_tags, customers, tags
from tests.bot.conftest import make_settings, tg
from tests.bot.seed import TODAY

PEOPLE = {"Sidorov": tg(1003), "Bossov": tg(1005), "Adminova": tg(1004)}
QUERIES = [
    "Moscow",
    "Kazan",
    "vip",
    "rating A",
    "manufacturing Kazan",
    "rating B or better",
    "unrated",
]
COMMANDS = [
    "rate A {q}", "rate B {q}", "set rating C for {q}", "unrate {q}", "tag vip {q}", "tag hot {q}",
    "untag vip {q}", "set status check {q}", "set status active {q}", "archive {q}",
]  # fmt: skip
_FIELDS = ("rating", "status", "rating_pinned", "opted_out_at", "manager_id", "name", "email")


def snapshot(engine: Engine) -> dict[int, tuple]:
    """Every customer's row (``updated_at`` aside) and sorted tags."""
    with engine.connect() as conn:
        rows = {r.id: tuple(r) for r in conn.execute(select(customers).order_by(customers.c.id))}
        cols = [c.name for c in customers.c]
        keep = [i for i, c in enumerate(cols) if c != "updated_at"]
        tagged: dict[int, list[str]] = {}
        for cid, name in conn.execute(
            select(customer_tags.c.customer_id, tags.c.name).join(
                tags, tags.c.id == customer_tags.c.tag_id
            )
        ):
            tagged.setdefault(cid, []).append(name)
    return {cid: (tuple(r[i] for i in keep), tuple(sorted(tagged.get(cid, [])))) for cid, r in rows.items()}  # fmt: skip


def _values(engine: Engine) -> dict[tuple[int, str], str | None]:
    """(customer, audited field) → its value as the audit log writes it."""
    out: dict[tuple[int, str], str | None] = {}
    with engine.connect() as conn:
        for r in conn.execute(select(customers.c.id, customers.c.rating, customers.c.status)):
            out[(r.id, "rating")], out[(r.id, "status")] = r.rating, r.status
        for cid, name in conn.execute(
            select(customer_tags.c.customer_id, tags.c.name).join(tags, tags.c.id == customer_tags.c.tag_id)
        ):  # fmt: skip
            out[(cid, f"tag:{name}")] = "yes"
    return out


def _diff(before: dict, after: dict) -> dict[tuple[int, str], tuple[Any, Any]]:
    keys = set(before) | set(after)
    out = {}
    for k in keys:
        b = before.get(k, "no" if k[1].startswith("tag:") else None)
        a = after.get(k, "no" if k[1].startswith("tag:") else None)
        if b != a:
            out[k] = (b, a)
    return out


def _number(text: str, *patterns: str) -> int | None:
    for p in patterns:
        if m := re.search(p, text):
            return int(m.group(1)) if m.groups() else 0
    return None


class BulkChanges(RuleBasedStateMachine):
    engine: Engine
    initial: dict
    initial_tags: list

    previews = Bundle("previews")

    def __init__(self) -> None:
        super().__init__()
        self.core = ChatCore(self.engine, make_settings(), today=TODAY)
        self.last: dict[str, list] = {}

    @initialize()
    def reset(self) -> None:
        """Back to the seeded base (one database per backend, many examples)."""
        with self.engine.begin() as conn:
            for table in (audit_log, batches, chat_state, customer_tags):
                conn.execute(delete(table))
            conn.execute(delete(tags).where(tags.c.id != 1))
            conn.execute(insert(customer_tags), self.initial_tags)
            for cid, row in self.initial.items():
                conn.execute(update(customers).where(customers.c.id == cid).values(**row))

    def _say(self, who: str, text: str | None = None, action: str | None = None) -> str:
        req = Request(PEOPLE[who], "chat-1", text=text, action=action)
        replies = asyncio.run(self.core.handle(req))
        self.last[who] = [b for r in replies for p in r.parts if isinstance(p, Buttons) for b in p.buttons]  # fmt: skip
        return "\n".join(r.text for r in replies)

    def _token(self, who: str, label: str) -> str | None:
        return next((b.token for b in self.last.get(who, []) if b.label == label), None)

    @rule(target=previews, who=st.sampled_from(list(PEOPLE)), cmd=st.sampled_from(COMMANDS), q=st.sampled_from(QUERIES))  # fmt: skip
    def preview(self, who: str, cmd: str, q: str) -> tuple:
        text = self._say(who, cmd.format(q=q))
        n = _number(
            text, r"(\d+) customers would change", r"(1) customer would change",
            r"No customers match", r"Nothing would change",
        )  # fmt: skip
        assert n is not None, text
        return (who, self._token(who, "Confirm"), self._token(who, "Cancel"), n, snapshot(self.engine))  # fmt: skip

    def _confirm(self, pending: tuple) -> tuple[int, int | None, dict]:
        """Press Confirm; check the report and the audit rows; (changed, batch, before)."""
        who, confirm, _cancel, shown, at_preview = pending
        before, values = snapshot(self.engine), _values(self.engine)
        text = self._say(who, action=confirm) if confirm else ""
        changed = _diff(values, _values(self.engine))
        customers_changed = {cid for cid, _f in changed}
        assert customers_changed == {c for c in before if before[c] != snapshot(self.engine)[c]}
        m = re.search(r"for (\d+) customers \(batch #(\d+)\)", text)
        if m is None:  # nothing to confirm, or already used: nothing changed
            assert not changed, text
            return 0, None, before
        done, batch = int(m.group(1)), int(m.group(2))
        assert done == len(customers_changed), (text, changed)
        if at_preview == before:  # nothing happened between the preview and the confirmation
            assert shown == done, (shown, done, text)
        with self.engine.connect() as conn:
            audited = {
                (r.customer_id, r.field): (r.before, r.after)
                for r in conn.execute(select(audit_log).where(audit_log.c.batch_id == batch))
            }
        assert audited == changed
        return done, batch, before

    @rule(pending=previews)
    def confirm(self, pending: tuple) -> None:
        self._confirm(pending)

    @rule(pending=previews)
    def cancel(self, pending: tuple) -> None:
        who, _confirm, cancel, _n, _snap = pending
        before = snapshot(self.engine)
        if cancel:
            self._say(who, action=cancel)
        assert snapshot(self.engine) == before

    @rule(pending=previews)
    def confirm_then_undo(self, pending: tuple) -> None:
        done, batch, before = self._confirm(pending)
        if batch is None:
            return
        who = pending[0]
        text = self._say(who, f"undo {batch}")
        goes = f"{done} customer goes back" if done == 1 else f"{done} customers go back"
        assert f"Undo batch #{batch}" in text and goes in text, text
        self._say(who, action=self._token(who, "Confirm undo"))
        assert snapshot(self.engine) == before

    @rule(who=st.sampled_from(list(PEOPLE)), mine=st.booleans())
    def undo(self, who: str, mine: bool) -> None:
        """Undo one's last change, or the newest batch of anyone (refused unless allowed)."""
        with self.engine.connect() as conn:
            newest = conn.execute(
                select(batches.c.id).where(batches.c.undone_by_batch_id.is_(None), batches.c.action != "undo")
                .order_by(batches.c.id.desc()).limit(1)
            ).scalar()  # fmt: skip
        text = self._say(who, "undo" if mine or newest is None else f"undo {newest}")
        token = self._token(who, "Confirm undo")
        if token is None:
            return
        batch = int(re.search(r"Undo batch #(\d+)", text).group(1))  # type: ignore[union-attr]
        conflicts = _number(text, r"(\d+) were changed since by someone else") or 0
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit_log).where(audit_log.c.batch_id == batch)).all()
        self._say(who, action=token)
        now = _values(self.engine)
        reverted = [r for r in rows if now.get((r.customer_id, r.field), "no" if r.field.startswith("tag:") else None) == r.before]  # fmt: skip
        assert (
            len({r.customer_id for r in rows}) - len({r.customer_id for r in reverted}) <= conflicts
        )


def test_random_bulk_changes_confirm_cancel_and_undo(seeded: Engine) -> None:
    with seeded.connect() as conn:
        initial = {
            r.id: {f: getattr(r, f) for f in _FIELDS} for r in conn.execute(select(customers))
        }
        initial_tags = [dict(r._mapping) for r in conn.execute(select(customer_tags))]
    BulkChanges.engine, BulkChanges.initial, BulkChanges.initial_tags = (
        seeded,
        initial,
        initial_tags,
    )
    run_state_machine_as_test(
        BulkChanges,
        settings=settings(
            max_examples=24,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )
