"""Who may read which customers: one value object, and the one rule every reading path applies.

A ``CustomerScope`` is computed once per request from the user, their role and the
``[access] scope`` setting. Every path that reads customers for a person goes through it: the
query language puts it into each query it interprets (``Query.scope``, compiled into every
``matching_ids`` / ``run_query``), customer-name lookups and did-you-mean suggestions read only
names it allows, and one customer chosen by id (a card, a button) is checked with ``allows``.

Example::

    scope = CustomerScope.for_user(role="rep", manager_id=7, setting="own")
    select(customers.c.id).where(scope.condition())      # Ivanov's and his team's customers
    scope.allows(conn, 42)                               # False: someone else's customer
    scope.find_by_name(conn, "Romashka")                 # [(id, name, city)] among those only
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, false, or_, select, true

from storage.folding import fold, folded
from storage.schema import customers, managers

__all__ = ["CustomerScope", "EVERYONE", "NOBODY"]


@dataclass(frozen=True)
class CustomerScope:
    """The customers one reader may see: everyone's, one manager's own and team's, or nobody's."""

    manager_id: int | None = None  # the reader whose own (and team's) customers are visible
    nobody: bool = False  # an unknown reader, or a rep with ``scope = "own"`` and no manager row

    @classmethod
    def for_user(cls, *, role: str | None, manager_id: int | None, setting: str) -> CustomerScope:
        """The scope of a user: reps see only their own customers when ``setting`` is "own";
        managers and admins see everyone's; no role (an unknown reader) sees nothing.

        Example: ``CustomerScope.for_user(role="rep", manager_id=3, setting="own").manager_id == 3``
        """
        if role is None:
            return NOBODY
        if setting == "own" and role == "rep":
            return cls(manager_id) if manager_id is not None else NOBODY
        return EVERYONE

    @property
    def limited(self) -> bool:
        """True when some customers are hidden from this reader."""
        return self.nobody or self.manager_id is not None

    def condition(self) -> Any:
        """A condition on ``customers``: the rows this reader may see."""
        if self.nobody:
            return false()
        if self.manager_id is None:
            return true()
        team = select(managers.c.id).where(managers.c.team_lead_id == self.manager_id)
        return or_(customers.c.manager_id == self.manager_id, customers.c.manager_id.in_(team))

    def sql(self) -> tuple[str, dict[str, Any]]:
        """The same rule as a fragment of hand-written SQL over ``customers`` (for the
        name lookups that are written as text), with its bound parameters."""
        if self.nobody:
            return " AND 1 = 0", {}
        if self.manager_id is None:
            return "", {}
        return (
            " AND (manager_id = :scope_m OR manager_id IN "
            "(SELECT id FROM managers WHERE team_lead_id = :scope_m))",
            {"scope_m": self.manager_id},
        )

    def restrict(self, ids: Select[Any]) -> Select[Any]:
        """``ids`` (a select of customer ids) narrowed to this scope."""
        if not self.limited:
            return ids
        return select(customers.c.id).where(
            customers.c.id.in_(ids.scalar_subquery()), self.condition()
        )

    def allows(self, conn: Connection, customer_id: int) -> bool:
        """Whether this reader may see customer ``customer_id`` (False when it does not exist)."""
        found = conn.execute(
            select(customers.c.id).where(customers.c.id == customer_id, self.condition())
        ).first()
        return found is not None

    def find_by_name(
        self, conn: Connection, name: str, limit: int = 10
    ) -> list[tuple[int, str, str | None]]:
        """Customers in scope whose name equals ``name`` ignoring case (any alphabet), else
        contains it.

        The name as typed and its usual capitalisations are tried first through the name index;
        only then is every name folded (``storage.folding``: Unicode on SQLite and PostgreSQL,
        where SQLite's own ``lower()`` folds ASCII only)."""
        typed = " ".join(name.split())
        if not typed:
            return []
        base = select(customers.c.id, customers.c.name, customers.c.city).where(self.condition())
        variants = {typed, typed.lower(), typed.upper(), typed.capitalize(), typed.title()}
        for where in (
            customers.c.name.in_(sorted(variants)),
            folded(customers.c.name) == fold(typed),
        ):
            exact = conn.execute(base.where(where).order_by(customers.c.name).limit(limit))
            rows = [(r[0], r[1], r[2]) for r in exact]
            if rows:
                return rows
        like = fold(typed).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [
            (r[0], r[1], r[2])
            for r in conn.execute(
                base.where(folded(customers.c.name).like(f"%{like}%", escape="\\"))
                .order_by(customers.c.name)
                .limit(limit)
            )
        ]


EVERYONE = CustomerScope()
NOBODY = CustomerScope(nobody=True)
