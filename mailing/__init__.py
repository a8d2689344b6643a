"""Mailings and call lists: templates, schedules, the outbox, SMTP delivery, opt-out.

Example::

    from mailing import save_template, parse_when, create_mailing, enqueue_due, send_pending
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailing.call_lists import call_list_xlsx
    from mailing.errors import MailingError
    from mailing.mailings import (
        MailingInfo,
        Preview,
        cancel_mailing,
        create_mailing,
        list_mailings,
        preview_mailing,
    )
    from mailing.optout import opt_out_by_email, opt_out_customer
    from mailing.outbox import Report, due_reports, enqueue_due, final_report
    from mailing.sender import SendStats, send_pending
    from mailing.templates import (
        Rendered,
        Template,
        get_template,
        load_templates_from_folder,
        render_for_customer,
        save_template,
    )
    from mailing.wallclock import WallClockCron
    from mailing.when import Schedule, next_run_after, parse_when
    from mailing.worker import mail_pass, run_mail_worker

__all__ = [
    "MailingError",
    "Template",
    "Rendered",
    "save_template",
    "get_template",
    "load_templates_from_folder",
    "render_for_customer",
    "Schedule",
    "parse_when",
    "next_run_after",
    "WallClockCron",
    "Preview",
    "MailingInfo",
    "preview_mailing",
    "create_mailing",
    "list_mailings",
    "cancel_mailing",
    "Report",
    "enqueue_due",
    "final_report",
    "due_reports",
    "SendStats",
    "send_pending",
    "opt_out_by_email",
    "opt_out_customer",
    "call_list_xlsx",
    "mail_pass",
    "run_mail_worker",
]

# Names are imported on first use, so that ``import mailing.settings`` (the configuration) stays light.
_WHERE = {
    "MailingError": "mailing.errors",
    "Template": "mailing.templates",
    "Rendered": "mailing.templates",
    "save_template": "mailing.templates",
    "get_template": "mailing.templates",
    "load_templates_from_folder": "mailing.templates",
    "render_for_customer": "mailing.templates",
    "Schedule": "mailing.when",
    "parse_when": "mailing.when",
    "next_run_after": "mailing.when",
    "WallClockCron": "mailing.wallclock",
    "Preview": "mailing.mailings",
    "MailingInfo": "mailing.mailings",
    "preview_mailing": "mailing.mailings",
    "create_mailing": "mailing.mailings",
    "list_mailings": "mailing.mailings",
    "cancel_mailing": "mailing.mailings",
    "Report": "mailing.outbox",
    "enqueue_due": "mailing.outbox",
    "final_report": "mailing.outbox",
    "due_reports": "mailing.outbox",
    "SendStats": "mailing.sender",
    "send_pending": "mailing.sender",
    "opt_out_by_email": "mailing.optout",
    "opt_out_customer": "mailing.optout",
    "call_list_xlsx": "mailing.call_lists",
    "mail_pass": "mailing.worker",
    "run_mail_worker": "mailing.worker",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'mailing' has no attribute {name!r}")
