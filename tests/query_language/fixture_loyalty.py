"""The loyalty part of the query-language fixture: tiers, the points ledger and tier moves.

``add_loyalty_rows(rows)`` gives each customer a tier (or none), writes a ledger row per order
(a hundredth of its net amount, so returns subtract) and audit rows of tier moves in batches
before and within this month and last month, one of them undone; rating moves on the same days
are noise a tier query must not read. Its own seed, so the other rows stay as they were.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

__all__ = ["add_loyalty_rows", "TIERS"]

TIERS = (None, "bronze", "silver", "gold")
# id, when, action, undone by: the recompute of 2026-11-10 was undone the next day
_BATCHES = [
    (9001, datetime(2026, 10, 15, 6, 0), "recompute", None),
    (9002, datetime(2026, 11, 1, 0, 0), "recompute", None),
    (9005, datetime(2026, 11, 22, 23, 59, 59), "recompute", None),
    (9004, datetime(2026, 11, 11, 9, 0), "undo", None),
    (9003, datetime(2026, 11, 10, 6, 0), "recompute", 9004),
]


def _batch(i: int, at: datetime, action: str, undone_by: int | None) -> dict[str, Any]:
    return {
        "id": i,
        "created_at": at,
        "actor_platform": "rule" if action == "recompute" else "cli",
        "actor_id": "admin",
        "action": action,
        "description": f"{action} (fixture)",
        "count": 0,
        "undone_by_batch_id": undone_by,
    }


def add_loyalty_rows(rows: dict[str, list[dict[str, Any]]]) -> None:
    rnd = random.Random(20)
    for c in rows["customers"]:
        c["tier"] = rnd.choice(TIERS)
    net: dict[int, float] = {}
    for line in rows["order_lines"]:
        net[line["order_id"]] = net.get(line["order_id"], 0.0) + line["amount"]
    rows["loyalty_points"] = [
        {"order_id": o["id"], "customer_id": o["customer_id"], "date": o["date"], "points": p}
        for o in rows["orders"]
        if (p := int(net.get(o["id"], 0.0) / 100)) != 0
    ]
    rows["batches"] = rows.get("batches", []) + [_batch(*b) for b in _BATCHES]
    audit: list[dict[str, Any]] = []
    rank = {t: i for i, t in enumerate(TIERS)}
    for c in rows["customers"]:
        for batch_id, at, action, _undone in _BATCHES:
            if action != "recompute" or rnd.random() < 0.6:
                continue
            before, after = rnd.sample(TIERS, 2)
            if after is None:
                after, before = before, after
            move = (
                "joined"
                if before is None
                else "promoted"
                if rank[after] > rank[before]
                else "demoted"
            )
            row = {"batch_id": batch_id, "at": at, "customer_id": c["id"], "field": "tier"}
            audit.append(
                {**row, "before": before, "after": after, "source": f"loyalty {move} to {after}"}
            )
            audit.append(
                {
                    **row,
                    "field": "rating",
                    "before": "C",
                    "after": "A",
                    "source": "loyalty promoted to A",
                }
            )
            if batch_id == 9003:  # its undo puts the tier back
                undo = {**row, "batch_id": 9004, "at": datetime(2026, 11, 11, 9, 0)}
                audit.append(
                    {
                        **undo,
                        "before": after,
                        "after": before,
                        "source": "undo of batch 9003 by admin",
                    }
                )
    for i, a in enumerate(audit, start=90_001):
        a["id"] = i
    rows["audit_log"] = rows.get("audit_log", []) + audit
