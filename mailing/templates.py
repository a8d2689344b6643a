"""Mail templates: a subject and a body with per-customer fields, rendered in a Jinja2 sandbox.

Example::

    save_template(conn, "winback", "Subject: We miss you, {{ name }}\\n\\nHello {{ name }}, ...", 1)
    render_for_customer(conn, "winback", customer_id=7, today=date(2026, 11, 22)).subject
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import Connection, select

from mailing.errors import MailingError
from mailing.facts import FIELDS, SAMPLE, customer_facts
from storage.formatting import money
from storage.schema import mail_templates

__all__ = [
    "Template",
    "Rendered",
    "save_template",
    "get_template",
    "load_templates_from_folder",
    "render",
    "render_for_customer",
]

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def _money(value: object, digits: int = 0, locale: str = "en") -> str:
    """``{{ spend_12m|money }}`` writes ``12,346`` as every English answer and card does
    (``storage.formatting.money``), ``|money(locale="ru")`` ``12 346``; ``|money(2)`` keeps
    the cents: ``12,345.50``."""
    from babel.numbers import format_decimal

    amount = float(value or 0)  # type: ignore[arg-type]
    if not digits:
        return money(amount, "", locale)
    pattern = "#,##0." + "0" * int(digits)
    return str(format_decimal(amount, format=pattern, locale=locale, decimal_quantization=True))


_ENV.filters["money"] = _money
_MAX_CHARS = 100_000


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    subject: str
    body: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    to_address: str


def _allowed() -> str:
    return ", ".join(FIELDS)


def _split(name: str, text: str) -> tuple[str, str]:
    first, _, rest = text.lstrip("\ufeff").lstrip("\n").partition("\n")
    key, colon, subject = first.partition(":")
    if not colon or key.strip().lower() not in ("subject", "тема"):
        raise MailingError.said("first_line", name=name, example="Subject: News for {{ name }}")
    if not subject.strip():
        raise MailingError.said("empty_subject", name=name)
    return subject.strip(), rest.strip("\n")


def _check(name: str, part: str, source: str) -> None:
    """Refuse syntax errors, unknown fields and attribute tricks before anything is stored."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as e:
        raise MailingError(f"template {name!r}, {part} line {e.lineno}: {e.message}") from None
    unknown = sorted(meta.find_undeclared_variables(tree) - set(FIELDS))
    if unknown:
        raise MailingError.said(
            "unknown_field", name=name, part=part, fields=", ".join(unknown), allowed=_allowed()
        )
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getitem) and not isinstance(
            getattr(node.arg, "value", None), str
        ):
            continue  # e.g. name[0]: harmless indexing
        attr = node.attr if isinstance(node, nodes.Getattr) else node.arg.value  # type: ignore[attr-defined]
        raise MailingError(
            f"template {name!r}, {part} line {node.lineno}: attribute access ('{attr}') is not "
            f"allowed; use the fields as they are, with filters such as |upper or |money: "
            f"{_allowed()}"
        )
    render(source, SAMPLE, name=name)


def render(source: str, fields: dict[str, Any], *, name: str = "template") -> str:
    """Render one template string with ``fields`` in the sandbox.

    Example: ``render("Hi {{ name }}", {"name": "Acme"}) == "Hi Acme"``
    """
    context = {k: v for k, v in fields.items() if k in FIELDS}
    try:
        return _ENV.from_string(source).render(context)
    except UndefinedError as e:
        raise MailingError(
            f"template {name!r}: {e.message}; allowed fields: {_allowed()}"
        ) from None
    except SecurityError as e:
        raise MailingError(f"template {name!r} was refused by the sandbox: {e}") from None
    except TemplateSyntaxError as e:
        raise MailingError(f"template {name!r}, line {e.lineno}: {e.message}") from None
    except (TypeError, ValueError, ArithmeticError) as e:
        raise MailingError(f"template {name!r} failed for this customer: {e}") from None


def save_template(conn: Connection, name: str, text: str, owner_id: int | None) -> Template:
    """Create or replace the template ``name`` from ``text`` (first line ``Subject: ...``).

    Example: ``save_template(conn, "news", "Subject: Hi {{ name }}\\nBody", owner_id=None)``
    """
    name = name.strip().lower()
    if not name or len(name) > 120:
        raise MailingError.said("needs_name")
    if len(text) > _MAX_CHARS:
        raise MailingError.said("too_long", name=name, max=_MAX_CHARS)
    subject, body = _split(name, text)
    if not body.strip():
        raise MailingError.said("no_body", name=name)
    _check(name, "subject", subject)
    _check(name, "body", body)
    values = {
        "subject": subject,
        "body": body,
        "owner_id": owner_id,
        "created_at": datetime.now(UTC).replace(tzinfo=None),
    }
    existing = conn.scalar(select(mail_templates.c.id).where(mail_templates.c.name == name))
    if existing is None:
        inserted = conn.execute(mail_templates.insert().values(name=name, **values))
        new_id = inserted.inserted_primary_key[0]  # type: ignore[index]
    else:
        conn.execute(
            mail_templates.update().where(mail_templates.c.id == existing).values(**values)
        )
        new_id = existing
    return Template(int(new_id), name, subject, body)


def get_template(conn: Connection, template: int | str | Template) -> Template:
    """A stored template by id or name: ``get_template(conn, "winback").subject``."""
    if isinstance(template, Template):
        return template
    t = mail_templates.c
    where = t.id == template if isinstance(template, int) else t.name == template.strip().lower()
    row = conn.execute(select(t.id, t.name, t.subject, t.body).where(where)).first()
    if row is None:
        known = ", ".join(conn.scalars(select(t.name).order_by(t.name)))
        if not known:
            raise MailingError.said("no_templates", name=template)
        raise MailingError.said("no_template", name=template, known=known)
    return Template(row.id, row.name, row.subject, row.body)


def load_templates_from_folder(conn: Connection, path: Path | str) -> list[Template]:
    """Save every ``*.txt`` / ``*.j2`` file in ``path`` as a template named after the file.

    Example: ``load_templates_from_folder(conn, "templates/")`` -> [Template(name="winback"...)]
    """
    folder = Path(path)
    if not folder.is_dir():
        raise MailingError(f"{folder}: no such folder of templates")
    files = sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".j2", ".tmpl"))
    return [save_template(conn, p.stem, p.read_text(encoding="utf-8"), None) for p in files]


def render_for_customer(
    conn: Connection, template: int | str | Template, customer_id: int, today: date
) -> Rendered:
    """The subject and body as ``customer_id`` would receive them (without the opt-out footer).

    Example: ``render_for_customer(conn, "winback", 7, date(2026, 11, 22)).body``
    """
    tpl = get_template(conn, template)
    facts = customer_facts(conn, [customer_id], today).get(customer_id)
    if facts is None:
        raise MailingError(f"no customer with id {customer_id}")
    return render_facts(tpl, facts)


def render_facts(tpl: Template, facts: dict[str, Any]) -> Rendered:
    """Render ``tpl`` for one customer's facts (see ``mailing.facts.customer_facts``)."""
    subject = " ".join(render(tpl.subject, facts, name=tpl.name).split())
    return Rendered(subject, render(tpl.body, facts, name=tpl.name), facts.get("email") or "")
