"""Analytics: ABC / XYZ / RFM classes, rating rules and their recompute, charts and explanations.

Names are imported on first use, so that ``import analytics.validation`` (the configuration
hook) stays light.

Example::

    from analytics import compute_classes, plan_recompute, apply_recompute
    run_id = compute_classes(engine, today=date(2026, 11, 22), settings=settings.classes)
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "compute_classes",
    "latest_run",
    "RecomputePlan",
    "plan_recompute",
    "apply_recompute",
    "check_rules",
    "ScheduledReport",
    "run_scheduled_recompute",
    "explain_customer",
    "pareto",
    "rfm_grid",
]

_WHERE = {
    "compute_classes": "analytics.classes",
    "latest_run": "analytics.classes",
    "RecomputePlan": "analytics.plan",
    "plan_recompute": "analytics.rules",
    "apply_recompute": "analytics.rules",
    "check_rules": "analytics.validation",
    "ScheduledReport": "analytics.schedule",
    "run_scheduled_recompute": "analytics.schedule",
    "explain_customer": "analytics.explain",
    "pareto": "analytics.charts",
    "rfm_grid": "analytics.charts",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'analytics' has no attribute {name!r}")
