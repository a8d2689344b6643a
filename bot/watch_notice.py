"""What a watch's chat reads: who entered and who left since the last notice, paged.

One page of a run's changes, computed with the reader's scope, with Previous/Next buttons whose
``watch_page`` rows any member of the chat may press (each sees the page in their own scope).

Example::

    reply, rows = notice_page(conn, watch, run_no, scope, "en", offset=0, user_key="telegram:42")
"""

from __future__ import annotations

from sqlalchemy import Connection

from bot import state
from bot.core import Context
from bot.i18n import plural_translator, translator
from bot.messages import Button, Part, Reply, Table, Text
from bot.registry import action
from bot.state import State
from bot.views import PAGE_SIZE, button_row, stars
from storage.scope import CustomerScope
from storage.watch_pages import run_changes, run_counts
from storage.watches import Watch, get_watch

__all__ = ["notice_page", "PAGE_KIND"]

PAGE_KIND = "watch_page"


def notice_page(
    conn: Connection,
    watch: Watch,
    run_no: int,
    scope: CustomerScope,
    language: str,
    *,
    offset: int,
    user_key: str,
    replace: bool = False,
) -> tuple[Reply | None, list[dict[str, object]]]:
    """One page of run ``run_no`` (None when nothing in ``scope`` changed) and the button rows
    to write with it."""
    _ = translator(language)
    ngettext = plural_translator(language)
    came, went = run_counts(conn, watch.id, run_no, scope)
    total = came + went
    if total == 0:
        return None, []
    rows = run_changes(conn, watch.id, run_no, scope, offset=offset, limit=PAGE_SIZE)
    parts: list[Part] = [
        Text(_("Watch {n}: {query}").format(n=watch.id, query=watch.query), "heading"),
        Text(
            ", ".join(
                (
                    [ngettext("{n} customer entered", "{n} customers entered", came).format(n=came)]
                    if came
                    else []
                )
                + ([ngettext("{n} left", "{n} left", went).format(n=went)] if went else [])
            ),
            "plain",
        ),
        Table(
            ("#", _("change"), _("name"), _("city"), _("rating"), _("why")),
            tuple(
                (
                    str(offset + i + 1),
                    _("entered") if r.entered else _("left"),
                    r.name,
                    r.city or "—",
                    stars(r.rating),
                    r.reason or "—",
                )
                for i, r in enumerate(rows)
            ),
        ),
    ]
    new_rows: list[dict[str, object]] = []
    if total > PAGE_SIZE:
        pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
        parts.append(
            Text(
                _("Page {page} of {pages}").format(page=offset // PAGE_SIZE + 1, pages=pages),
                "note",
            )
        )

        def button(label: str, to: int) -> Button:
            payload = {"watch": watch.id, "run": run_no, "offset": to}
            row = state.new_row(PAGE_KIND, user_key, payload)
            new_rows.append(row)
            return Button(label, row["token"])

        prev_b = button(_("◀ Previous"), max(0, offset - PAGE_SIZE)) if offset > 0 else None
        next_b = button(_("Next ▶"), offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None
        parts.append(button_row(prev_b, next_b))
    return Reply(tuple(parts), private=False, replace=replace, language=language), new_rows


@action(PAGE_KIND, owner_only=False)
def _page(ctx: Context, st: State) -> list[Reply]:
    """Another page of a watch's notice, in the presser's scope, edited in place."""
    with ctx.engine.begin() as conn:
        watch = get_watch(conn, int(st.payload["watch"]))
        if watch is None:
            return [Reply((Text(ctx._("This watch was removed."), "note"),))]
        reply, rows = notice_page(
            conn,
            watch,
            int(st.payload["run"]),
            ctx.scope,
            ctx.language,
            offset=int(st.payload["offset"]),
            user_key=ctx.user.identity.key,
            replace=True,
        )
        state.put_rows(conn, rows)
    if reply is None:
        return [Reply((Text(ctx._("You can only see your own customers."), "note"),))]
    return [reply]
