"""The chat core: one conversation engine for Telegram, Slack and the terminal.

It takes a neutral :class:`~bot.messages.Request`, decides who is asking and what they may do,
runs the command or query off the event loop, and returns neutral replies. It never imports a
chat SDK.

Example::

    core = ChatCore(engine, settings)
    replies = await core.handle(Request(Identity("telegram", "42"), "42", text="Moscow buyers"))
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot import state
from bot.buttons import KEY_PREFIX, key_buttons, press_key, word_key
from bot.i18n import N_, plural_translator, translator
from bot.messages import Identity, Part, Reply, Request, Table, Text
from bot.registry import ACTIONS, COMMANDS, match_command
from bot.settings import BotSettings
from bot.users import User, identify, sync_config_users
from query_language.errors import QueryError
from storage.changes import Actor, utcnow
from storage.schema import batches, chat_users, processed_events, segments
from storage.scope import CustomerScope
from storage.timeouts import StatementTimeout, statement_timeout

if TYPE_CHECKING:
    from query_language.catalog import Catalog, CatalogCache

__all__ = ["ChatCore", "Context", "detect_language"]


def detect_language(text: str) -> str:
    """``ru`` or ``en``: the language the query language reads ``text`` in."""
    from query_language import detect_language as detect

    return detect(text)


log = logging.getLogger("custbot.chat")

# What a user reads instead of an exception (the traceback is logged under the ref).
INTERNAL_ERROR = N_(
    "Something went wrong on our side (ref {ref}) and nothing was changed. Please try again; "
    "if it keeps failing, tell your administrator the ref."
)
TOO_SLOW = N_(
    "This question takes too long — narrow it (a shorter period, a city, a manager or a "
    "product). Nothing was changed."
)
CLI_INTERNAL_ERROR = N_(
    "something went wrong on our side (ref {ref}; the details are in {log}); please report the "
    "ref (CUSTBOT_DEBUG=1 shows the traceback)"
)
CLI_DATABASE_ERROR = N_(
    "database error: the database could not be used (ref {ref}; the details are in {log}); "
    "check --db or [database] url, and that the server is running"
)


@dataclass
class Context:
    """Everything a command handler needs for one request."""

    core: ChatCore
    user: User
    request: Request
    today: date
    language: str  # the language answers come in
    query_language: str = "en"  # the language the typed text is read in
    extra: dict[str, Any] = field(default_factory=dict)
    pending_states: list[dict[str, Any]] = field(default_factory=list)
    shown: dict[str, str] | None = None  # the keyed buttons of this answer (bot.buttons)

    @property
    def engine(self) -> Engine:
        return self.core.engine

    @property
    def settings(self) -> BotSettings:
        return self.core.settings

    @cached_property
    def _(self) -> Callable[[str], str]:
        return translator(self.language)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of a message for the number ``n``, in the answer's language (still to
        ``.format``): ``ctx.ngettext("{n} customer", "{n} customers", n).format(n=n)``."""
        return plural_translator(self.language)(singular, plural, n)

    @cached_property
    def scope(self) -> CustomerScope:
        """Whose customers this user may see, computed once per request (reps with
        ``access.scope = "own"``: only their own). Every route reads customers through it:
        ``interpret_for`` puts it into the query, names are looked up with ``find_customers``,
        one customer by id is checked with ``scope.allows``."""
        return CustomerScope.for_user(
            role=self.user.role, manager_id=self.user.manager_id, setting=self.settings.access.scope
        )

    def find_customers(self, name: str, limit: int = 10) -> list[tuple[int, str, str | None]]:
        """Customers this user may see whose name equals ``name``, else contains it."""
        with self.engine.connect() as conn:
            return self.scope.find_by_name(conn, name, limit)

    @property
    def actor(self) -> Actor:
        ident = self.user.identity
        return Actor(ident.platform, ident.key, self.user.manager_id, self.user.label)

    def catalog(self) -> Catalog:
        return self.core.catalog()

    def await_next_message(self, kind: str, payload: dict[str, Any], minutes: int = 30) -> None:
        """Treat this user's next message as the input of action ``kind`` (e.g. a template's text)."""
        from datetime import timedelta

        self.remember(f"await:{kind}", payload, timedelta(minutes=minutes))

    def remember(
        self, kind: str, payload: dict[str, Any], ttl: timedelta = state.DEFAULT_TTL
    ) -> str:
        """What a button means: its opaque token now, the row written with the others of this
        answer in one INSERT before the answer leaves (see :meth:`flush`)."""
        row = state.new_row(kind, self.user.identity.key, payload, ttl)
        self.pending_states.append(row)
        return row["token"]

    def flush(self) -> None:
        """Write the button states of this answer (one multi-row INSERT), and what it showed
        (which replaces what the user was shown before)."""
        if self.pending_states or self.shown is not None:
            with self.engine.begin() as conn:
                if self.shown is not None:
                    state.replace_shown(conn, self.user.identity.key, self.shown)
                    self.shown = None
                state.put_rows(conn, self.pending_states)
            self.pending_states = []


def _text_language(text: str, neutral: Callable[[str], bool] = lambda _t: False) -> str | None:
    """The language a message is written in, judged by what the user chose to write: a command
    phrase of another language decides; an English command counts only by its arguments (so a bare
    'help' keeps the language remembered from the last query); text that ``neutral`` finds in no
    language of its own ('vip', 'abc A') keeps it too."""
    from bot.lexicon import phrase_language

    text = re.sub(r"\{\{.*?\}\}", " ", text)  # a mail template's fields are in no language
    if language := phrase_language(text):
        return language
    found = match_command(text)
    if found is not None:
        text = found[1]
        if not text.strip():
            return None
    if _language_free(text):  # an email or a phone keeps the language
        return None
    return None if neutral(text) else detect_language(text)


def _language_free(text: str) -> bool:
    """An email address or a phone number: written the same in every language."""
    from storage.contacts import looks_like_email, looks_like_phone

    return looks_like_email(text) or looks_like_phone(text)


def _read_as(language: str) -> str:
    """The query language that reads a message in no language of its own: the user's, when the
    query language knows it (a language may have chat messages and no lexicon), else English."""
    from query_language import LANGUAGES

    return language if language in LANGUAGES else "en"


def _shared_words(catalog: Catalog, text: str) -> bool:
    """Only words every language writes alike: a keyword both lexicons know ('abc', 'rfm'), a tag
    or a segment's name ('vip', 'drill-buyers'), a single letter or a number."""
    from query_language.lexicon import load_lexicon

    if re.search("[А-Яа-яЁё]", text):
        return False
    en, ru = load_lexicon("en"), load_lexicon("ru")
    names = {n.casefold() for n in catalog.tags.values()} | {
        str(s["name"]).casefold() for s in catalog.segments.values()
    }
    words = re.findall(r"[^\W\d_]+(?:-[^\W_]+)*", text)
    return bool(words) and all(
        len(w) == 1
        or w.casefold() in names
        or (en.normalise_word(w) in en.vocabulary and ru.normalise_word(w) in ru.vocabulary)
        for w in words
    )


class ChatCore:
    """The conversation engine. Stateless between requests: everything lives in the database."""

    def __init__(self, engine: Engine, settings: BotSettings, *, today: date | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self._fixed_today = today
        self._catalog_cache: CatalogCache | None = None
        import bot.commands  # noqa: F401 - registers every command

        settings.limits.apply()
        settings.customers.apply()  # the phone region of lookups by phone (storage/contacts.py)
        sync_config_users(engine, settings)

    # --- what front ends call -------------------------------------------------------------

    async def handle(self, request: Request) -> list[Reply]:
        """Answer one message or button press."""
        return await asyncio.to_thread(self.handle_sync, request)

    async def seen(self, platform: str, event_key: str) -> bool:
        """True when this platform event was processed before (a redelivery); records it otherwise."""
        return await asyncio.to_thread(self.seen_sync, platform, event_key)

    def commands(self, language: str = "en") -> list[tuple[str, str]]:
        """(command word, help line) for the platforms' command menus."""
        _ = translator(language)
        out: list[tuple[str, str]] = [("help", _("How to ask, with examples"))]
        for cmd in COMMANDS:
            word = cmd.name.split()[0]
            if word.isalpha() and word not in {w for w, _h in out}:
                out.append((word, _(cmd.help)))
        return out

    async def home(self, identity: Identity) -> list[Part]:
        """The user's saved segments and recent batches (Slack's App Home)."""
        return await asyncio.to_thread(self._home_sync, identity)

    # --- the synchronous core -------------------------------------------------------------

    def today(self) -> date:
        return self._fixed_today or datetime.now(self.settings.tz).date()

    def catalog(self) -> Catalog:
        from query_language import LANGUAGES, CatalogCache

        if self._catalog_cache is None:
            self._catalog_cache = CatalogCache(
                self.engine, languages=tuple(LANGUAGES)
            )  # every lexicon, built at load
        return self._catalog_cache.get()

    def invalidate_catalog(self) -> None:
        if self._catalog_cache is not None:
            self._catalog_cache.invalidate()

    def seen_sync(self, platform: str, event_key: str) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(processed_events).values(
                        platform=platform, event_key=event_key[:200], at=utcnow()
                    )
                )
            return False
        except IntegrityError:
            return True

    def language_for(self, identity: Identity) -> str:
        """The language answers to ``identity`` come in now: configured for the user, else the
        language of their last query, else the configured default."""
        user = self.identify(identity)
        if user is not None and user.language:
            return user.language
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(chat_users.c.language).where(chat_users.c.user_key == identity.key)
            ).scalar()
        return stored or self.settings.language

    def identify(self, identity: Identity) -> User | None:
        with self.engine.connect() as conn:
            return identify(conn, identity, self.settings)

    def handle_sync(self, request: Request) -> list[Reply]:
        user = self.identify(request.who)
        detected = (
            _text_language(request.text, lambda t: _shared_words(self.catalog(), t))
            if request.text
            else None
        )
        language = self._language(user, request, detected)
        _ = translator(language)
        if user is None:
            log.warning("refused %s in chat %s", request.who.key, request.chat_id)
            return [
                Reply(
                    (
                        Text(
                            _(
                                "Sorry, I can only talk to the sales team. If you are on it, ask your custbot "
                                "administrator to add your {platform} id {user_id}."
                            ).format(platform=request.who.platform, user_id=request.who.user_id)
                        ),
                    ),
                    language=language,
                )
            ]
        ctx = Context(self, user, request, self.today(), language, detected or _read_as(language))
        try:
            with statement_timeout(self.settings.limits.statement_timeout_ms):
                replies = (
                    self._press(ctx, request.action)
                    if request.action is not None
                    else self._type(ctx, (request.text or "").strip())
                )
                replies = key_buttons(ctx, replies)
                ctx.flush()
        except (StatementTimeout, QueryError) as e:
            replies = [self._query_failed(ctx, e)]
        except Exception:
            ref = secrets.token_hex(3)
            log.exception(
                "failed to answer %s: %r (ref %s)",
                request.who.key,
                request.text or request.action,
                ref,
            )
            replies = [Reply((Text(_(INTERNAL_ERROR).format(ref=ref), "error"),))]
        return [r if r.language else replace(r, language=language) for r in replies]

    def _query_failed(self, ctx: Context, e: Exception) -> Reply:
        """A question cut off by the statement timeout (or a query error raised past the
        command's own handling): said in the user's language, nothing changed."""
        if isinstance(e.__cause__, StatementTimeout):  # said by run_query
            e = e.__cause__
        if isinstance(e, StatementTimeout):
            log.warning("statement timeout (%s ms) answering %s", e.ms, ctx.user.identity.key)
            return Reply((Text(ctx._(TOO_SLOW), "error"),))
        from query_language.errors import localise

        assert isinstance(e, QueryError)
        localise(e, ctx.query_language)
        return Reply((Text(e.render(), "error"),))

    def _language(self, user: User | None, request: Request, detected: str | None) -> str:
        """Configured for the user, else the language of their last query (remembered), else the
        platform's hint, else the configured default."""
        if user is not None and user.language:
            return user.language
        key = request.who.key
        with self.engine.begin() as conn:
            stored = conn.execute(
                select(chat_users.c.language).where(chat_users.c.user_key == key)
            ).first()
            if user is not None and detected and (stored is None or stored[0] != detected):
                if stored is None:
                    conn.execute(
                        insert(chat_users).values(
                            user_key=key, language=detected, last_seen=utcnow()
                        )
                    )
                else:
                    conn.execute(
                        update(chat_users)
                        .where(chat_users.c.user_key == key)
                        .values(language=detected)
                    )
                return detected
        return (
            (stored[0] if stored and stored[0] else None)
            or detected
            or request.language
            or self.settings.language
        )

    def _type(self, ctx: Context, text: str) -> list[Reply]:
        from bot.commands.query import answer_query

        if not text:
            text = "help"
        with self.engine.begin() as conn:
            waiting = state.take_awaited(conn, ctx.user.identity.key)
        if waiting is not None and waiting.kind in ACTIONS:
            if word_key(text) == "cancel":  # the awaited input is spent: nothing more comes
                return [Reply((Text(ctx._("Cancelled; nothing was changed."), "note"),))]
            return ACTIONS[waiting.kind].handler(ctx, waiting)
        if key := word_key(text):
            return press_key(ctx, key, self._press)
        if text.isdigit() and len(text) <= 3:
            return [
                Reply(
                    (
                        Text(
                            ctx._(
                                "There is no button {n} on your last answer. Type a question, "
                                "or 'help'."
                            ).format(n=text),
                            "note",
                        ),
                    )
                )
            ]
        found = match_command(text)
        if found is None:
            return answer_query(ctx, text)
        cmd, rest = found
        if not ctx.user.at_least(cmd.role):
            log.warning("refused %s: %r needs role %s", ctx.user.identity.key, cmd.name, cmd.role)
            return [
                Reply(
                    (
                        Text(
                            ctx._("Only a {role} may use '{command}'. You are a {mine}.").format(
                                role=ctx._(cmd.role), command=cmd.name, mine=ctx._(ctx.user.role)
                            ),
                            "error",
                        ),
                    )
                )
            ]
        return cmd.handler(ctx, rest)

    def _press(self, ctx: Context, token: str) -> list[Reply]:
        if token.startswith(KEY_PREFIX):  # "@next": that button of the last answer
            return press_key(ctx, token[len(KEY_PREFIX) :], self._press)
        with self.engine.connect() as conn:
            st = state.get(conn, token)
        if st is None or st.kind not in ACTIONS:
            return [Reply((Text(ctx._("This button has expired. Please ask again."), "note"),))]
        act = ACTIONS[st.kind]
        if act.owner_only and st.user_key != ctx.user.identity.key:
            log.warning("refused %s pressing a button of %s", ctx.user.identity.key, st.user_key)
            return [
                Reply((Text(ctx._("This button belongs to someone else's request."), "error"),))
            ]
        # a button is replayed with the presser's scope as it is now: a query in its payload is
        # interpreted again for them (interpret_for); one customer named by id is checked here
        customer_id = st.payload.get("customer_id")
        if customer_id is not None:
            with self.engine.connect() as conn:
                allowed = ctx.scope.allows(conn, int(customer_id))
            if not allowed:
                log.warning(
                    "refused %s: customer %s is out of scope", ctx.user.identity.key, customer_id
                )
                return [Reply((Text(ctx._("You can only see your own customers."), "error"),))]
        return act.handler(ctx, st)

    def _home_sync(self, identity: Identity) -> list[Part]:
        user = self.identify(identity)
        _ = translator(user.language if user else self.settings.language)
        if user is None:
            return [Text(_("Sorry, I can only talk to the sales team."))]
        with self.engine.connect() as conn:
            segs = conn.execute(
                select(segments.c.name, segments.c.kind, segments.c.query)
                .order_by(segments.c.name)
                .limit(30)
            ).all()
            recent = conn.execute(
                select(batches.c.id, batches.c.created_at, batches.c.description, batches.c.count)
                .where(batches.c.actor_id == identity.key)
                .order_by(batches.c.id.desc())
                .limit(10)
            ).all()
        from bot.batch_words import described

        parts: list[Part] = [Text(_("Saved segments"), "heading")]
        parts.append(
            Table((_("segment"), _("kind"), _("query")), tuple((n, k, q) for n, k, q in segs))
            if segs
            else Text(_("No saved segments yet: try 'save buyers of Super Drill as drill-buyers'."))
        )
        parts.append(Text(_("Your recent changes"), "heading"))
        parts.append(
            Table(
                ("#", _("when"), _("what"), _("customers")),
                tuple(
                    (str(i), f"{at:%Y-%m-%d %H:%M}", described(_, d), str(c))
                    for i, at, d, c in recent
                ),
            )
            if recent
            else Text(_("No changes yet."))
        )
        return parts
