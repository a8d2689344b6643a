"""Mailings and call lists to a query or segment: templates, scheduling (previewed and
confirmed), listing, cancelling, opt-outs, and the telemarketing call list."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot import state
from bot.commands.query import interpret_for, query_error_reply
from bot.core import Context
from bot.messages import Button, File, Part, Reply, Table, Text
from bot.registry import action, command
from bot.state import State
from bot.views import already_spent, button_row
from storage.schema import customers

if TYPE_CHECKING:
    from mailing.errors import MailingError
    from mailing.when import Schedule

log = logging.getLogger("custbot.mail")

_MAIL = re.compile(
    r"^(?P<tpl>\S+)\s+to\s+(?P<query>.+)\s+(?P<when>(?:at|every|each)\s+.+?)(?P<freeze>\s+frozen)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
# … in Russian: 'рассылка winback для vip завтра в 9:00', '… каждый понедельник в 9:00'
_MAIL_RU = re.compile(
    r"^(?P<tpl>\S+)\s+для\s+(?P<query>.+?)\s+(?P<when>(?:(?:на|в|во)\s+)?(?:сейчас|сегодня|завтра"
    r"|кажд\w+|по\s+(?:будням|дням|понедельникам|вторникам|средам|четвергам|пятницам|субботам"
    r"|воскресеньям)|понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье"
    r"|\d{4}-\d\d-\d\d|\d\d\.\d\d\.\d{4})\b.*?)(?P<freeze>\s+зафиксировав получателей)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_FOR_CUSTOMER = re.compile(r"^(?P<tpl>\S+)\s+(?:for|для)\s+(?P<customer>.+)$", re.IGNORECASE)
_FOR_ME = re.compile(r"\s+(?:for\s+me|для\s+меня)$", re.IGNORECASE)
# as a template writes them (Jinja2): shown, never formatted
_TEMPLATE_FIELDS = "{{ name }}, {{ manager }}, {{ last_purchase }}, {{ spend_12m }}, {{ stars }}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# what a call list's reader sees of mailing.call_lists (its column titles, sheets), translated
_PHRASES = {
    "Customer": "Customer",
    "Phone": "Phone",
    "City": "City",
    "Manager": "Manager",
    "Rating": "Rating",
    "Last purchase": "Last purchase",
    "Spend (12 months)": "Spend (12 months)",
    "Last interaction": "Last interaction",
    "Outcome": "Outcome",
    "No manager": "No manager",
    "Calls": "Calls",
}


def said(ctx: Context, e: MailingError) -> str:
    """A mailing error in the user's language (its English text when it has no translation)."""
    return ctx._(e.template).format(**e.params) if e.template else str(e)


def _error(ctx: Context, message: str) -> list[Reply]:
    return [Reply((Text(message, "error"),))]


def _one_customer(ctx: Context, name: str) -> tuple[int, str] | list[Reply]:
    """The one customer called ``name`` among those this user may see, or an error reply."""
    from bot.commands.card import no_customer_called

    found = ctx.find_customers(name)
    if len(found) != 1:
        return _error(
            ctx,
            no_customer_called(ctx, name)
            if not found
            else ctx._("Several customers match '{name}': {names}").format(
                name=name, names=", ".join(n for _i, n, _c in found)
            ),
        )
    return found[0][0], found[0][1]


@command("template", example="template winback", role="manager", topic="mail")
def template(ctx: Context, args: str) -> list[Reply]:
    """Create a mail template: 'template NAME', then send its text (first line 'Subject: …')."""
    from mailing.errors import MailingError
    from mailing.templates import save_template

    name, _sep, text = args.strip().partition("\n")
    name = name.strip()
    if not name:
        return _error(ctx, ctx._("Name the template, e.g. 'template winback'."))
    if not text.strip():
        ctx.await_next_message("template_text", {"name": name})
        return [
            Reply(
                (
                    Text(
                        ctx._(
                            "Send the text of template '{name}' now: the first line 'Subject: …', then the "
                            "body. Fields: {fields} …"
                        ).format(name=name, fields=_TEMPLATE_FIELDS)
                    ),
                )
            )
        ]
    try:
        with ctx.engine.begin() as conn:
            tpl = save_template(conn, name, text, ctx.user.manager_id)
    except MailingError as e:
        return _error(ctx, said(ctx, e))
    return [
        Reply(
            (
                Text(
                    ctx._("Saved template '{name}': {subject}").format(
                        name=tpl.name, subject=tpl.subject
                    )
                ),
            )
        )
    ]


@action("await:template_text")
def _template_text(ctx: Context, st: State) -> list[Reply]:
    """The text of a template, sent right after 'template NAME'."""
    return template(ctx, f"{st.payload['name']}\n{ctx.request.text or ''}")


@command("preview template", example="preview template winback for Romashka", topic="mail")
def preview_template(ctx: Context, args: str) -> list[Reply]:
    """How a template reads for one customer: 'preview template NAME for CUSTOMER'."""
    from mailing.errors import MailingError
    from mailing.templates import render_for_customer

    m = _FOR_CUSTOMER.match(args.strip())
    if not m:
        return _error(ctx, ctx._("Say 'preview template NAME for CUSTOMER'."))
    found = _one_customer(ctx, m.group("customer"))
    if isinstance(found, list):
        return found
    try:
        with ctx.engine.connect() as conn:
            rendered = render_for_customer(conn, m.group("tpl"), found[0], ctx.today)
    except MailingError as e:
        return _error(ctx, said(ctx, e))
    return [
        Reply(
            (
                Text(ctx._("To: {to}").format(to=rendered.to_address or "—"), "note"),
                Text(rendered.subject, "heading"),
                Text(rendered.body),
            )
        )
    ]


@command(
    "mail",
    example="mail winback to vip no purchases in last 90 days at tomorrow 9:00",
    role="manager",
    topic="mail",
)
def mail(ctx: Context, args: str) -> list[Reply]:
    """Schedule a mailing: 'mail TEMPLATE to QUERY at TIME' or '… every Monday 9:00' ('frozen' fixes recipients).

    Add 'frozen' at the end to mail today's recipients at every run instead of re-evaluating the query.
    """
    m = _MAIL.match(args.strip()) or _MAIL_RU.match(args.strip())
    if not m:
        return _error(
            ctx,
            ctx._(
                "Say 'mail TEMPLATE to QUERY at TIME', e.g. 'mail winback to vip at tomorrow 9:00' "
                "or '… every Monday 9:00'."
            ),
        )
    when = re.sub(r"^(at|на)\s+", "", m.group("when").strip(), flags=re.IGNORECASE)
    return _mail_preview(
        ctx,
        {
            "template": m.group("tpl"),
            "text": m.group("query").strip(),
            "when": when,
            "freeze": bool(m.group("freeze")),
            "today": ctx.today.isoformat(),
            "language": ctx.query_language,
        },
    )


def _schedule(ctx: Context, when: str) -> Schedule:
    from mailing.when import parse_when

    return parse_when(when, ctx.settings.timezone, datetime.now(UTC))


def _schedule_line(
    _: Callable[[str], str], at: str, tz: str, cron: str | None, frozen: bool
) -> str:
    """One whole sentence per case, so that every language can word it naturally."""
    if cron and frozen:
        return _(
            "First run {at} ({tz}), then on schedule '{cron}', always to today's recipients."
        ).format(at=at, tz=tz, cron=cron)
    if cron:
        return _(
            "First run {at} ({tz}), then on schedule '{cron}'; the query is re-evaluated at each run."
        ).format(at=at, tz=tz, cron=cron)
    if frozen:
        return _("Sent at {at} ({tz}) to today's recipients.").format(at=at, tz=tz)
    return _("Sent at {at} ({tz}); the query is evaluated then.").format(at=at, tz=tz)


def _mail_preview(ctx: Context, p: dict[str, Any]) -> list[Reply]:
    from mailing.errors import MailingError
    from mailing.mailings import preview_mailing
    from query_language import QueryError, describe, matching_ids

    _ = ctx._
    try:
        query = interpret_for(ctx, p["text"], date.fromisoformat(p["today"]), p["language"])
        schedule = _schedule(ctx, p["when"])
        with ctx.engine.connect() as conn:
            preview = preview_mailing(
                conn,
                p["template"],
                matching_ids(query),
                ctx.today,
            )
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    except MailingError as e:
        return _error(ctx, said(ctx, e))
    local = schedule.first_run_utc.replace(tzinfo=UTC).astimezone(ctx.settings.tz)
    parts: list[Part] = [
        Text(
            _("Mailing '{tpl}' to: {echo}").format(tpl=p["template"], echo=describe(query)), "echo"
        ),
        Text(_("{n} will receive it.").format(n=preview.will_receive), "heading"),
        Text(
            _(
                "Matched {m}; left out: {no_email} without an email, {opted} opted out, {archived} archived."
            ).format(
                m=preview.matched,
                no_email=preview.no_email,
                opted=preview.opted_out,
                archived=preview.archived,
            )
        ),
        Text(
            _schedule_line(
                _, f"{local:%Y-%m-%d %H:%M}", ctx.settings.timezone, schedule.cron, p["freeze"]
            )
        ),
    ]
    if preview.sample is not None:
        parts.append(Text(_("Sample for {name}:").format(name=preview.sample_customer), "note"))
        parts.append(Text(f"{preview.sample.subject}\n\n{preview.sample.body}"))
    if preview.will_receive == 0:
        parts.append(Text(_("Nobody would receive it, so there is nothing to schedule."), "note"))
        return [Reply(tuple(parts))]
    ttl = timedelta(minutes=ctx.settings.bulk.confirm_minutes)
    token = ctx.remember("mail_confirm", {**p, "count": preview.will_receive}, ttl)
    cancel = ctx.remember("cancel", {"confirm": token}, ttl)
    parts.append(button_row(Button(_("Confirm"), token, "primary"), Button(_("Cancel"), cancel)))
    return [Reply(tuple(parts))]


@action("mail_confirm")
def _mail_confirm(ctx: Context, st: State) -> list[Reply]:
    """Schedule a previewed mailing once."""
    from mailing.errors import MailingError
    from mailing.mailings import create_mailing
    from query_language import QueryError, matching_ids

    _ = ctx._
    if not ctx.user.at_least("manager"):
        return _error(ctx, _("Only a manager may schedule mailings."))
    p = st.payload
    try:
        query = interpret_for(ctx, p["text"], date.fromisoformat(p["today"]), p["language"])
        schedule = _schedule(ctx, p["when"])
        with ctx.engine.begin() as conn:
            if not state.spend(conn, st.token, ctx.user.identity.key):
                return already_spent(_)
            frozen = list(conn.execute(matching_ids(query)).scalars()) if p["freeze"] else None
            chat = {
                "chat": f"{ctx.request.who.platform}:{ctx.request.chat_id}",
                "user": ctx.user.identity.key,
            }
            mailing_id = create_mailing(
                conn,
                p["template"],
                p["text"],
                p["language"],
                schedule,
                ctx.user.manager_id,
                chat,
                frozen,
            )
    except (QueryError, MailingError) as e:
        return _error(ctx, said(ctx, e) if isinstance(e, MailingError) else e.message)
    return [
        Reply(
            (
                Text(
                    _(
                        "Scheduled mailing #{id}. 'mailings' lists it; 'cancel mailing {id}' stops it."
                    ).format(id=mailing_id),
                    "heading",
                ),
            ),
            replace=True,
        )
    ]


@command("mailings", example="mailings", role="manager", topic="mail")
def mailings_(ctx: Context, args: str) -> list[Reply]:
    """Scheduled and past mailings (yours; an admin sees all)."""
    from mailing.mailings import list_mailings

    with ctx.engine.connect() as conn:
        items = list_mailings(conn, None if ctx.user.at_least("admin") else ctx.user.manager_id)
    if not items:
        return [Reply((Text(ctx._("No mailings yet."), "note"),))]
    tz = ctx.settings.tz
    return [
        Reply(
            (
                Table(
                    (
                        "#",
                        ctx._("template"),
                        ctx._("to"),
                        ctx._("status"),
                        ctx._("next run"),
                        ctx._("repeats"),
                    ),
                    tuple(
                        (
                            str(m.id),
                            m.template,
                            m.query[:60],
                            m.status,
                            f"{m.next_run_at.replace(tzinfo=UTC).astimezone(tz):%Y-%m-%d %H:%M}"
                            if m.next_run_at
                            else "—",
                            m.recurrence or "—",
                        )
                        for m in items
                    ),
                ),
            )
        )
    ]


@command("cancel mailing", example="cancel mailing 1", role="manager", topic="mail")
def cancel_mailing_(ctx: Context, args: str) -> list[Reply]:
    """Cancel a scheduled mailing: no further runs, unsent mails dropped."""
    from mailing.errors import MailingError
    from mailing.mailings import cancel_mailing

    arg = args.strip().lstrip("#")
    if not arg.isdigit():
        return _error(ctx, ctx._("Say which one, e.g. 'cancel mailing 3' ('mailings' lists them)."))
    try:
        with ctx.engine.begin() as conn:
            info = cancel_mailing(
                conn, int(arg), ctx.user.manager_id if not ctx.user.at_least("admin") else None
            )
    except MailingError as e:
        return [Reply((Text(said(ctx, e), "note"),))]
    return [
        Reply(
            (Text(ctx._("Cancelled mailing #{id} ({tpl}).").format(id=info.id, tpl=info.template)),)
        )
    ]


@command("opt out", example="opt out Romashka", topic="mail")
def opt_out(ctx: Context, args: str) -> list[Reply]:
    """Record that a customer wants no more mailings (audited; 'undo' reverts it)."""
    return _opt(ctx, args, opted_out=True)


@command("opt in", example="opt in Romashka", topic="mail")
def opt_in(ctx: Context, args: str) -> list[Reply]:
    """Mail a customer who opted out again, when they ask for it (audited; 'undo' reverts it)."""
    return _opt(ctx, args, opted_out=False)


def _opt(ctx: Context, args: str, *, opted_out: bool) -> list[Reply]:
    from mailing.optout import change_opt_out

    if not args.strip():
        return _error(ctx, ctx._("Which customer? For example: opt out Romashka"))
    found = _one_customer(ctx, args.strip())
    if isinstance(found, list):
        return found
    with ctx.engine.begin() as conn:
        batch, _n = change_opt_out(
            conn,
            select(customers.c.id).where(customers.c.id == found[0], ctx.scope.condition()),
            opted_out=opted_out,
            actor=ctx.actor,
            what=found[1],
        )
    if batch is None:
        msg = (
            ctx._("{name} had opted out already; nothing changed.")
            if opted_out
            else ctx._("{name} had not opted out; nothing changed.")
        )
        return [Reply((Text(msg.format(name=found[1]), "note"),))]
    msg = (
        ctx._("{name} will not be mailed again (batch #{batch}).")
        if opted_out
        else ctx._("{name} may be mailed again (batch #{batch}).")
    )
    parts: list[Part] = [Text(msg.format(name=found[1], batch=batch))]
    if ctx.user.at_least("manager"):
        parts.append(
            button_row(Button(ctx._("Undo"), ctx.remember("undo_start", {"batch_id": batch})))
        )
    return [Reply(tuple(parts))]


@command("call list", example="call list vip no purchases in last 90 days for me", topic="mail")
def call_list(ctx: Context, args: str) -> list[Reply]:
    """An XLSX call plan for a query, one sheet per manager ('… for me': only your customers)."""
    from mailing.call_lists import call_list_xlsx
    from query_language import QueryError, matching_ids

    text = args.strip()
    mine = bool(_FOR_ME.search(text))
    if mine:
        text = _FOR_ME.sub("", text)
    if not text:
        return _error(
            ctx, ctx._("Which customers? e.g. 'call list vip no purchases in last 90 days'.")
        )
    try:
        query = interpret_for(ctx, text)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    ids = matching_ids(query)
    if mine:
        ids = select(customers.c.id).where(
            customers.c.id.in_(ids.scalar_subquery()), customers.c.manager_id == ctx.user.manager_id
        )
    with ctx.engine.connect() as conn:
        data = call_list_xlsx(conn, ids, ctx.today, ctx._)
    return [
        Reply(
            (
                File(
                    f"call-list-{ctx.today}.xlsx",
                    data,
                    XLSX,
                    ctx._("Call list: {q}").format(q=text)[:1000],
                ),
            )
        )
    ]
