"""Access and audit: sites, users, guardian links, tokens, login sessions, the audit log; the
database refuses changes to the audit log and to signed sessions and what hangs on them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 18:20:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.String(length=26)

SIGNED = "A signed session never changes: add an addendum instead."
AUDIT = "The audit log is append-only."
ADDENDA = "An addendum is never changed or removed: add another."

# (trigger name, table, event, condition on OLD/NEW, message). The conditions are the same SQL on
# both databases; SQLite states them in WHEN, PostgreSQL in the trigger function.
GUARDS: list[tuple[str, str, str, str, str]] = [
    ("audit_no_update", "audit_log", "UPDATE", "1 = 1", AUDIT),
    ("audit_no_delete", "audit_log", "DELETE", "1 = 1", AUDIT),
    ("signed_session_no_update", "massage_sessions", "UPDATE", "OLD.status = 'signed'", SIGNED),
    ("signed_session_no_delete", "massage_sessions", "DELETE", "OLD.status = 'signed'", SIGNED),
    ("addenda_no_update", "session_addenda", "UPDATE", "1 = 1", ADDENDA),
    ("addenda_no_delete", "session_addenda", "DELETE", "1 = 1", ADDENDA),
]
SESSION_PARTS = ("session_measures", "adverse_events")
"""Rows of a session that are frozen with it once it is signed (insert, update and delete)."""


def _signed(row: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM massage_sessions s WHERE s.id = {row}.session_id "
        "AND s.status = 'signed')"
    )


def guards() -> list[tuple[str, str, str, str, str]]:
    """Every guard; an update is refused when the row was, or would become, part of a signed
    session (moving a row onto a signed session is an insert in disguise)."""
    conditions = {
        "INSERT": _signed("NEW"),
        "UPDATE": f"{_signed('OLD')} OR {_signed('NEW')}",
        "DELETE": _signed("OLD"),
    }
    parts = [
        (f"{table}_signed_{event.lower()}", table, event, condition, SIGNED)
        for table in SESSION_PARTS
        for event, condition in conditions.items()
    ]
    return GUARDS + parts


NO_TRUNCATE = ("audit_log", "session_addenda", "session_measures", "adverse_events")
"""PostgreSQL's TRUNCATE fires no row triggers, so it is refused on its own (SQLite has none)."""


SITED = ("children", "screenings", "massage_sessions", "home_programs")
"""Clinical records that carry their site (the child's), for the registry and multi-site work."""


def upgrade() -> None:
    _create_access_tables()
    _create_audit_table()
    _add_site_ids()
    for guard in guards():
        _create_guard(*guard)
    if not _sqlite():
        for table in NO_TRUNCATE:
            _refuse_truncate(table)


def downgrade() -> None:
    if not _sqlite():
        for table in NO_TRUNCATE:
            _drop_guard(f"{table}_no_truncate", table)
    for name, table, *_ in reversed(guards()):
        _drop_guard(name, table)
    for table in reversed(SITED):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(batch.f(f"ix_{table}_site_id"))
            batch.drop_constraint(batch.f(f"fk_{table}_site_id_sites"), type_="foreignkey")
            batch.drop_column("site_id")
    op.drop_table("audit_log")
    for table in (
        "login_failures",
        "login_sessions",
        "api_tokens",
        "guardian_links",
        "user_sites",
        "users",
        "sites",
    ):
        op.drop_table(table)


def _create_access_tables() -> None:
    op.create_table(
        "sites",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", ID, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("password_changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    _link_table("user_sites", "site_id", "sites", cascade=False)
    _link_table("guardian_links", "child_id", "children", cascade=True)
    op.create_table(
        "api_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("last_used_at", TS, nullable=True),
        _user_fk("api_tokens"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "login_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        _user_fk("login_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_login_sessions_key_hash")),
    )
    op.create_index(op.f("ix_login_sessions_user_id"), "login_sessions", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    for column in ("username", "address", "at"):
        op.create_index(op.f(f"ix_login_failures_{column}"), "login_failures", [column])


def _add_site_ids() -> None:
    """Every clinical record gets its child's site; a database with children but no site gets
    one site, which they all join (the installation was a single program until now)."""
    for table in SITED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("site_id", ID, nullable=True))
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM children")).scalar():
        from ulid import ULID

        site_id = str(ULID())
        bind.execute(
            sa.text("INSERT INTO sites (id, name, created_at) VALUES (:id, 'Main site', :at)"),
            {"id": site_id, "at": datetime.now(UTC)},
        )
        bind.execute(sa.text("UPDATE children SET site_id = :id"), {"id": site_id})
        for table in SITED[1:]:
            bind.execute(
                sa.text(
                    f"UPDATE {table} SET site_id = "
                    f"(SELECT c.site_id FROM children c WHERE c.id = {table}.child_id)"
                )
            )
    for table in SITED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("site_id", existing_type=ID, nullable=False)
            batch.create_foreign_key(
                batch.f(f"fk_{table}_site_id_sites"), "sites", ["site_id"], ["id"]
            )
            batch.create_index(batch.f(f"ix_{table}_site_id"), ["site_id"])


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def _link_table(table: str, column: str, target: str, *, cascade: bool) -> None:
    extra: list[sa.schema.SchemaItem] = (
        [
            sa.Column("guardian_id", ID, nullable=True),
            sa.Column("created_at", TS, nullable=False),
            sa.ForeignKeyConstraint(
                ["guardian_id"],
                ["guardians.id"],
                name=op.f(f"fk_{table}_guardian_id_guardians"),
                ondelete="SET NULL",
            ),
        ]
        if target == "children"
        else []
    )
    op.create_table(
        table,
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column(column, ID, nullable=False),
        *extra,
        _user_fk(table),
        sa.ForeignKeyConstraint(
            [column],
            [f"{target}.id"],
            name=op.f(f"fk_{table}_{column}_{target}"),
            ondelete="CASCADE" if cascade else None,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("user_id", column, name=op.f(f"uq_{table}_user_id")),
    )
    op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"])
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def _create_audit_table() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("resource", sa.String(length=200), nullable=False),
        sa.Column("child_id", sa.String(length=26), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_log_prev_hash")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_child_id"), "audit_log", ["child_id"])


def _create_guard(name: str, table: str, event: str, condition: str, message: str) -> None:
    """A BEFORE trigger that refuses the change with ``message`` when ``condition`` holds."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW "
            f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
        return
    returned = "OLD" if event == "DELETE" else "NEW"
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF {condition} THEN RAISE EXCEPTION '{message}' USING ERRCODE = 'P0001'; END IF; "
        f"RETURN {returned}; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
    )


def _refuse_truncate(table: str) -> None:
    name = f"{table}_no_truncate"
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '{table} cannot be emptied' USING ERRCODE = 'P0001'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {name}()"
    )


def _drop_guard(name: str, table: str) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if _sqlite() else f" ON {table}"))
    if not _sqlite():
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"
