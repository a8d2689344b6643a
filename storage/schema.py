"""The database schema: SQLAlchemy Core tables, the single source for migrations.

Every table lives in ``metadata``; Alembic migrations in ``storage/migrations`` create and
evolve them. Indexes follow the query shapes of the query language (see
``docs/benchmarks.md`` for why each one exists).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "metadata",
    "managers",
    "customers",
    "property_definitions",
    "customer_properties",
    "products",
    "orders",
    "order_lines",
    "interactions",
    "tags",
    "customer_tags",
    "segments",
    "segment_members",
    "batches",
    "audit_log",
    "class_runs",
    "customer_classes",
    "chat_state",
    "processed_events",
    "chat_users",
    "mail_templates",
    "mailings",
    "mail_outbox",
    "scheduler_locks",
    "analytics_generation",
    "analytics_dirty_orders",
    "analytics_dirty_pruned",
    "subscriptions",
    "subscription_runs",
    "loyalty_points",
    "follow_ups",
    "STATUSES",
    "RATINGS",
    "ROLES",
    "PROPERTY_TYPES",
    "watches",
    "watch_members",
    "watch_changes",
]

STATUSES = ("active", "check", "archived")
RATINGS = ("A", "B", "C")
ROLES = ("rep", "manager", "admin")
PROPERTY_TYPES = ("number", "date", "yesno", "text")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# --- people -------------------------------------------------------------------------------

managers = Table(
    "managers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),  # full name
    Column("surname", String(100), nullable=False, index=True),  # what users type
    Column("email", String(320)),
    Column("role", String(10), nullable=False, server_default="rep"),
    Column("telegram_id", BigInteger, unique=True),
    Column("slack_team_id", String(32)),
    Column("slack_user_id", String(32)),
    Column("team_lead_id", Integer, ForeignKey("managers.id")),  # a manager's team
    Column("language", String(8)),  # configured or taken from the last query
    Column("timezone", String(64)),  # IANA name for their reminders; NULL: the configured one
    CheckConstraint("role in ('rep','manager','admin')", name="role"),
    UniqueConstraint("slack_team_id", "slack_user_id"),
)

# --- customers ----------------------------------------------------------------------------

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(64), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("city", String(120)),
    Column("region", String(120)),
    Column("country", String(120)),
    Column("industry", String(120)),
    Column("manager_id", Integer, ForeignKey("managers.id")),
    Column("email", String(320)),
    Column("phone", String(64)),
    Column("status", String(10), nullable=False, server_default="active"),
    Column("rating", String(1)),
    Column("rating_pinned", Boolean, nullable=False, server_default="0"),
    Column("created_at", Date, nullable=False),
    Column("opted_out_at", DateTime),
    Column("updated_at", DateTime),  # last change by a person or rule (undo conflicts)
    Column("phone_e164", String(16)),  # the phone normalised (storage/contacts.py), for lookups
    Column("tier", String(40)),  # the loyalty tier the recompute gave (analytics/loyalty.py)
    CheckConstraint("status in ('active','check','archived')", name="status"),
    CheckConstraint("rating is null or rating in ('A','B','C')", name="rating"),
    Index("ix_customers_city_manager", "city", "manager_id"),
    Index("ix_customers_manager_id", "manager_id"),
    Index("ix_customers_region", "region"),
    Index("ix_customers_country", "country"),
    Index("ix_customers_industry", "industry"),
    Index("ix_customers_status", "status"),
    Index("ix_customers_created_at", "created_at"),
    Index("ix_customers_name", "name"),
    Index("ix_customers_phone_e164", "phone_e164"),
    Index("ix_customers_email", "email"),
)

property_definitions = Table(
    "property_definitions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),  # lower-case key, e.g. employees
    Column("label", String(200), nullable=False),  # as first seen, e.g. Employees
    Column("type", String(10), nullable=False),
    CheckConstraint("type in ('number','date','yesno','text')", name="type"),
)

# One typed column per type, so each comparison uses an index on (property, value).
customer_properties = Table(
    "customer_properties",
    metadata,
    Column(
        "customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("property_id", Integer, ForeignKey("property_definitions.id"), primary_key=True),
    Column("number_value", Float),
    Column("date_value", Date),
    Column("bool_value", Boolean),
    Column("text_value", String(500)),
    Index("ix_customer_properties_number", "property_id", "number_value", "customer_id"),
    Index("ix_customer_properties_date", "property_id", "date_value", "customer_id"),
    Index("ix_customer_properties_text", "property_id", "text_value", "customer_id"),
)

# --- products and sales -------------------------------------------------------------------

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("category", String(120)),
    Column("price", Float),
    Index("ix_products_name", "name"),
    Index("ix_products_category", "category"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_no", String(64), nullable=False, unique=True),  # the import's order_id
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("date", Date, nullable=False),
    Index("ix_orders_customer_date", "customer_id", "date", "id"),
    Index("ix_orders_date_customer", "date", "customer_id", "id"),
)

# amount is the line total; a return has negative quantity and amount.
order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("product_id", Integer, ForeignKey("products.id"), nullable=False),
    Column("quantity", Float, nullable=False),
    Column("amount", Float, nullable=False),
    UniqueConstraint("order_id", "line_no"),
    Index("ix_order_lines_order_product_amount", "order_id", "product_id", "amount", "quantity"),
    Index("ix_order_lines_product_order_amount", "product_id", "order_id", "amount", "quantity"),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("date", DateTime, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("manager_id", Integer, ForeignKey("managers.id")),
    Column("note", Text, nullable=False, server_default=""),
    UniqueConstraint("customer_id", "date", "kind", "note"),
    Index("ix_interactions_kind_date", "kind", "date", "customer_id"),
    Index("ix_interactions_customer_date", "customer_id", "date"),
)

# --- tags and segments --------------------------------------------------------------------

tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),  # lower case
)

customer_tags = Table(
    "customer_tags",
    metadata,
    Column(
        "customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_customer_tags_tag_customer", "tag_id", "customer_id"),
)

segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),  # lower case, e.g. drill-buyers
    Column("query", Text, nullable=False),
    Column("language", String(8), nullable=False, server_default="en"),
    Column("kind", String(10), nullable=False),  # dynamic | static
    Column("owner_id", Integer, ForeignKey("managers.id")),
    Column("created_at", DateTime, nullable=False),
    Column("frozen_as_of", Date),  # the 'today' a static segment was evaluated for
    CheckConstraint("kind in ('dynamic','static')", name="kind"),
)

segment_members = Table(
    "segment_members",
    metadata,
    Column("segment_id", Integer, ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    ),
)

# --- changes: batches, audit, rating history ----------------------------------------------

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    # telegram | slack | terminal | cli | rule | mail (a customer's one-click unsubscribe)
    Column("actor_platform", String(16), nullable=False),
    Column("actor_id", String(80), nullable=False),  # platform id (or rule name)
    Column("manager_id", Integer, ForeignKey("managers.id")),
    Column("action", String(40), nullable=False),  # rate, tag, untag, status, pin, recompute, undo
    Column("description", Text, nullable=False),
    Column("query", Text),
    Column("count", Integer, nullable=False, server_default="0"),
    Column("undoes_batch_id", Integer, ForeignKey("batches.id")),
    Column("undone_by_batch_id", Integer, ForeignKey("batches.id")),
    Index("ix_batches_manager_created", "manager_id", "created_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    # no foreign keys: append-only rows written from customers/batches in the same transaction,
    # and checking them doubled the cost of a 100k-customer change on PostgreSQL
    Column("batch_id", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("customer_id", Integer, nullable=False),
    Column("field", String(40), nullable=False),  # rating, rating_pinned, status, tag:<name>
    Column("before", String(200)),
    Column("after", String(200)),
    Column("source", String(200)),  # who or which rule, e.g. "Ivanov (telegram)", "rule A: abc A"
    Index("ix_audit_log_batch", "batch_id"),
    # by id, not by the timestamp: a third of the size, for a bulk change's scattered inserts
    # (migration 0018)
    Index("ix_audit_log_customer", "customer_id", "id"),
)


# --- computed classes (ABC / XYZ / RFM) ---------------------------------------------------

class_runs = Table(
    "class_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("computed_for", Date, nullable=False),  # 'today' of the computation
    Column("window_start", Date, nullable=False),
    Column("window_end", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("parameters", JSON, nullable=False),
)

customer_classes = Table(
    "customer_classes",
    metadata,
    # One row per customer: the classes of the latest run (the greatest class_runs.id). A run
    # rewrites only the rows whose classes changed, so nothing here moves with the calendar
    # alone: the last purchase is a date, its recency is the run's computed_for minus it.
    Column(
        "customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("revenue", Float, nullable=False, server_default="0"),
    Column("abc", String(1)),
    Column("xyz", String(1)),
    Column("last_purchase", Date),
    Column("frequency", Integer),
    Column("monetary", Float),
    Column("r_score", Integer),
    Column("f_score", Integer),
    Column("m_score", Integer),
    Column("rfm_segment", String(40)),
    Index("ix_customer_classes_abc", "abc", "customer_id"),
    Index("ix_customer_classes_xyz", "xyz", "customer_id"),
    Index("ix_customer_classes_rfm", "rfm_segment", "customer_id"),
)

# --- chat state (no replica keeps it in memory) -------------------------------------------

# Pages, pending choices, what a button means, pending confirmations: one row each, addressed by
# a short opaque token that fits Telegram's 64-byte callback_data.
chat_state = Table(
    "chat_state",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),  # page, choice, confirm, ...
    Column("user_key", String(120), nullable=False),  # platform:user id of the initiator
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),  # single-use states are spent atomically
    Index("ix_chat_state_expires", "expires_at"),
)

# Redelivered platform events (Telegram update_id, Slack event_id / action ids) are ignored.
processed_events = Table(
    "processed_events",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("event_key", String(200), primary_key=True),
    Column("at", DateTime, nullable=False),
)

# Per-user chat preferences that are not part of the managers table (e.g. unknown-user logs).
chat_users = Table(
    "chat_users",
    metadata,
    Column("user_key", String(120), primary_key=True),
    Column("language", String(8)),
    Column("last_seen", DateTime),
)

# --- mailing ------------------------------------------------------------------------------

mail_templates = Table(
    "mail_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("owner_id", Integer, ForeignKey("managers.id")),
    Column("created_at", DateTime, nullable=False),
)

mailings = Table(
    "mailings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("template_id", Integer, ForeignKey("mail_templates.id"), nullable=False),
    Column("query", Text, nullable=False),
    Column("language", String(8), nullable=False, server_default="en"),
    Column("frozen_customer_ids", JSON),  # set when frozen at confirm
    Column("requester_id", Integer, ForeignKey("managers.id")),
    Column("requester_chat", JSON),  # where the final report goes
    Column("first_run_at", DateTime, nullable=False),  # UTC
    Column("recurrence", String(120)),  # cron expression in the configured time zone
    Column("next_run_at", DateTime),  # UTC; null when finished or cancelled
    Column("runs_started", Integer, nullable=False, server_default="0"),  # last run_no enqueued
    Column("runs_reported", Integer, nullable=False, server_default="0"),  # last run reported
    Column("last_error", Text),  # why the last run could not pick its audience
    Column("status", String(16), nullable=False, server_default="scheduled"),
    Column("created_at", DateTime, nullable=False),
    Column("cancelled_at", DateTime),
    Index("ix_mailings_next_run", "status", "next_run_at"),
)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mailing_id", Integer, ForeignKey("mailings.id"), nullable=False),
    Column("run_no", Integer, nullable=False, server_default="1"),  # recurrences
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("to_address", String(320)),
    Column("subject", Text),
    Column("body", Text),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime),
    Column("claimed_by", String(80)),
    Column("claimed_at", DateTime),
    Column("sent_at", DateTime),
    # set right before SMTP DATA, cleared with the attempt's outcome: a pending row that has it
    # may have been delivered by a sender that died before marking it (storage migration 0007)
    Column("data_at", DateTime),
    Column("reason", Text),  # why skipped or failed
    UniqueConstraint("mailing_id", "run_no", "customer_id"),
    Index("ix_mail_outbox_state_next", "state", "next_attempt_at"),
)

# A named lease so that only one process runs a scheduled job at a time.
scheduler_locks = Table(
    "scheduler_locks",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("holder", String(120)),
    Column("until", DateTime),
)

# The generation of the data each table of the analytical copy holds (storage/columnar): a
# trigger on the table advances its row in the writer's own transaction (migration 0009); the
# '*' row moves with every one of them on PostgreSQL.
analytics_generation = Table(
    "analytics_generation",
    metadata,
    Column("part", String(40), primary_key=True),
    Column("generation", BigInteger, nullable=False, server_default="1"),
)

# Orders whose row or lines were changed or deleted since (new rows are found by id): a refresh
# of the copy replaces just these. Filled by triggers; the copy remembers the last id it read.
analytics_dirty_orders = Table(
    "analytics_dirty_orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, nullable=False),
    sqlite_autoincrement=True,
)

# How far ``analytics_dirty_orders`` was pruned (one row, id 1): its rows up to ``through`` are
# gone, so a copy that last read an id below it cannot replay them and reloads orders whole.
analytics_dirty_pruned = Table(
    "analytics_dirty_pruned",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("through", BigInteger, nullable=False),
)

# --- segment watches (bot/watch*.py, docs/subscriptions.md) -------------------------------

# A query or saved segment whose entering and leaving customers are told to a chat.
watches = Table(
    "watches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat", String(160), nullable=False),  # where notices go: platform:chat
    Column("owner_key", String(160), nullable=False),  # who set it up (identity key)
    Column("owner_id", Integer, ForeignKey("managers.id")),  # None: the local administrator
    Column("query", Text, nullable=False),
    Column("query_language", String(8), nullable=False, server_default="en"),
    Column("language", String(8), nullable=False, server_default="en"),  # of the notices
    Column("created_at", DateTime, nullable=False),
    Column("runs", Integer, nullable=False, server_default="0"),  # 0: no baseline yet
    Column("last_run_at", DateTime),
    Column("last_day", Date),  # the 'today' of the last run
    Column("data_generation", BigInteger),  # the data's generation at the last run
    Column("last_customer_id", Integer),  # the newest customer at the last run
    Column("last_audit_id", Integer),  # the newest audit row at the last run (the reasons)
    # a notice no front end took: the run still to tell, retried with backoff (bot.watch_run)
    Column("unsent_run", Integer),
    Column("notice_attempts", Integer, nullable=False, server_default="0"),
    Column("notice_retry_at", DateTime),  # None with unsent_run set: given up
    Column("notice_error", String(300)),
)

# The members at the last run (the snapshot the next run compares with).
watch_members = Table(
    "watch_members",
    metadata,
    Column("watch_id", Integer, ForeignKey("watches.id"), primary_key=True),
    Column("customer_id", Integer, primary_key=True),
)

# Who entered or left at which run, and why (in the watch's language): what a notice pages.
watch_changes = Table(
    "watch_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("watch_id", Integer, ForeignKey("watches.id"), nullable=False),
    Column("run_no", Integer, nullable=False),
    Column("customer_id", Integer, nullable=False),
    Column("entered", Boolean, nullable=False),
    Column("reason", String(300)),
    Index("ix_watch_changes_watch_id_run_no_customer_id", "watch_id", "run_no", "customer_id"),
)


# Answers the bot posts on its own schedule (docs/subscriptions.md): a query posted to a chat
# ("post"), or one definition each recipient gets in their own scope ("digest"). ``next_run_at``
# is the scheduled run still to do; each delivery of a run is one row of ``subscription_runs``
# whose unique ``run_key`` makes two replicas send it once.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False, server_default="post"),
    Column("name", String(80), unique=True),  # a configured digest's name
    Column("owner_platform", String(10)),  # who it is computed as (None: configured digest)
    Column("owner_user", String(64)),
    Column("owner_team", String(32)),
    Column("chat", String(120)),  # platform:chat it is posted to (digests: each recipient's DM)
    Column("channel", Boolean, nullable=False, server_default="0"),
    Column("query", Text, nullable=False),  # as typed
    Column("output", String(8), nullable=False, server_default="answer"),  # answer, csv, xlsx
    Column("language", String(8), nullable=False, server_default="en"),  # the query's language
    Column("schedule", String(120), nullable=False),  # as typed
    Column("cron", String(80), nullable=False),
    Column("tz", String(64), nullable=False),
    Column("team_lead_id", Integer, ForeignKey("managers.id")),  # a manager's own digest
    Column("with_reps", Boolean, nullable=False, server_default="0"),
    Column("send_empty", Boolean, nullable=False, server_default="0"),
    Column("next_run_at", DateTime, nullable=False, index=True),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", DateTime, nullable=False),
)

subscription_runs = Table(
    "subscription_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("run_key", String(200), nullable=False, unique=True),
    Column("scheduled_for", DateTime, nullable=False),
    Column("recipient", String(120), nullable=False),
    Column("status", String(10), nullable=False),  # sending, sent, failed, empty, skipped, gave_up
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", String(300)),
    Column("next_attempt_at", DateTime),
    Column("updated_at", DateTime, nullable=False),
)


# The loyalty points ledger: what each order earned (a return's order is negative), rebuilt from
# the orders by the recompute (analytics/loyalty.py); a customer's balance is the sum. No foreign
# keys: the whole table is derived and rewritten by each recompute, and checking them made that
# rewrite take 24 s instead of 9 s for 500,000 orders on PostgreSQL.
loyalty_points = Table(
    "loyalty_points",
    metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Integer, nullable=False),
    Column("date", Date, nullable=False),
    Column("points", Integer, nullable=False),
    Index("ix_loyalty_points_customer_date", "customer_id", "date", "points"),
)


# A rep's reminder to do something about one customer (bot/commands/follow_ups.py): due at a
# moment (naive UTC), sent once to the author's DM (``reminded_at`` is claimed by a conditional
# UPDATE, so restarts and replicas never send it twice), open until done.
follow_ups = Table(
    "follow_ups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False),
    Column("manager_id", Integer, ForeignKey("managers.id")),  # the author's row, if any
    Column("author_key", String(120), nullable=False),  # platform:user id, the DM it goes to
    Column("text", Text, nullable=False, server_default=""),
    Column("due_at", DateTime, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("reminded_at", DateTime),
    Column("done_at", DateTime),
    Column("batch_id", Integer),  # the audited batch that set it
    Index("ix_follow_ups_open_due", "done_at", "reminded_at", "due_at"),
    Index("ix_follow_ups_customer", "customer_id"),
)
