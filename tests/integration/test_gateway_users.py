"""The gateway's own database: schema from migrations, demo users, audited changes, signatures."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select

from kernel import migrations
from kernel.audit import SYSTEM, Who, verify_chain
from kernel.db import Database, sync_url
from kernel.errors import AlreadyExists, InvalidArgument, NotFound
from kernel.settings import Settings
from services.gateway import main, service
from services.gateway.auth import hash_password_blocking, issue_token, verify_password
from services.gateway.domain import DEMO_PASSWORD, Role
from services.gateway.models import AuditEntry, Base
from services.gateway.problems import SignatureRefused, Unauthenticated
from services.gateway.signatures import SignerSessions, confirm_signer

ADMIN = Who("admin", "Admin LIMS", "admin")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await main.setup(database, Settings(demo=True))
    yield database
    await database.dispose()


def test_migrations_produce_exactly_the_models_schema(database_url: str) -> None:
    migrations.upgrade("gateway", database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


async def test_demo_users_are_seeded_once_with_the_demo_password(db: Database) -> None:
    await main.setup(db, Settings(demo=True))  # a restart seeds nothing twice
    with db.read() as session:
        users = {user.username: user for user in service.list_users(session)}
        entries = session.scalars(select(AuditEntry)).all()
        check = verify_chain(session, AuditEntry)
    assert len(users) == 8
    assert users["reviewer"].full_name == "Nadia Berrada"
    assert users["reviewer"].role_names == ["analyst", "reviewer"]
    assert await verify_password(users["analyst2"].password_hash, DEMO_PASSWORD)
    assert [e.action for e in entries] == ["user_created"] * 8
    assert {e.username for e in entries} == {SYSTEM.username}
    assert check.broken_at is None and check.entries == 8


async def test_production_seeds_no_one(database_url: str) -> None:
    database = Database(database_url)
    try:
        await main.setup(database, Settings(demo=False))
        with database.read() as session:
            assert list(service.list_users(session)) == []
    finally:
        await database.dispose()


def test_users_are_listed_by_role(db: Database) -> None:
    with db.read() as session:
        analysts = service.list_users(session, role=Role.ANALYST, active_only=True)
    assert [u.username for u in analysts] == ["analyst", "analyst2", "reviewer"]


async def test_an_account_carries_what_signing_in_and_signing_need(db: Database) -> None:
    reviewer = await db.read_call(service.find_account, "reviewer")
    assert reviewer is not None
    assert (reviewer.username, reviewer.full_name, reviewer.active) == (
        "reviewer",
        "Nadia Berrada",
        True,
    )
    assert reviewer.roles == ["analyst", "reviewer"]
    assert await verify_password(reviewer.password_hash, DEMO_PASSWORD)
    assert await db.read_call(service.find_account, "nobody") is None


def test_changing_a_user_is_audited_with_old_and_new_values(db: Database) -> None:
    with db.write() as session:
        service.create_user(
            session,
            who=ADMIN,
            username="analyst3",
            full_name="Omar Lahlou",
            password_hash=hash_password_blocking("first password"),
            roles=[Role.ANALYST],
            reason="new hire",
        )
    with db.write() as session:
        changed = service.update_user(
            session,
            who=ADMIN,
            username="analyst3",
            reason="promoted to section head",
            roles=[Role.REVIEWER, Role.ANALYST],
        )
        assert changed.role_names == ["analyst", "reviewer"]
    with db.write() as session:  # the same change again changes nothing
        service.update_user(
            session,
            who=ADMIN,
            username="analyst3",
            reason="again",
            roles=[Role.ANALYST, Role.REVIEWER],
        )
    with db.write() as session:
        service.update_user(
            session, who=ADMIN, username="analyst3", reason="left the lab", active=False
        )
    with db.read() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == "analyst3").order_by(AuditEntry.seq)
        ).all()
        user = service.find_user(session, "analyst3")
        check = verify_chain(session, AuditEntry)
    assert [(e.action, e.reason) for e in entries] == [
        ("user_created", "new hire"),
        ("user_changed", "promoted to section head"),
        ("user_changed", "left the lab"),
    ]
    assert '"roles":["analyst"]' in entries[1].old_value
    assert '"roles":["analyst","reviewer"]' in entries[1].new_value
    assert entries[2].username == "admin"
    assert user is not None and not user.active
    assert "hash" not in entries[0].new_value
    assert check.broken_at is None


def test_user_changes_are_refused_when_they_make_no_sense(db: Database) -> None:
    with db.write() as session:
        with pytest.raises(AlreadyExists):
            service.create_user(
                session,
                who=ADMIN,
                username="analyst",
                full_name="X",
                password_hash="h",
                roles=[Role.ANALYST],
            )
    with db.write() as session:
        with pytest.raises(InvalidArgument):
            service.update_user(session, who=ADMIN, username="analyst", reason="r", roles=[])
    with db.write() as session:
        with pytest.raises(NotFound):
            service.update_user(session, who=ADMIN, username="ghost", reason="r", active=False)


async def test_signer_is_reauthenticated_and_a_wrong_password_is_recorded(db: Database) -> None:
    sessions = SignerSessions(b"k" * 32)
    _, identity = issue_token(
        b"s" * 32,
        username="reviewer",
        full_name="Nadia Berrada",
        roles=["reviewer"],
        ttl=timedelta(hours=1),
    )
    sign: dict[str, Any] = {
        "role": "reviewer",
        "record_kind": "test_review",
        "record_id": "LNCM-2026-00001-01",
    }
    await confirm_signer(db, sessions, identity, DEMO_PASSWORD, **sign)
    assert len(sessions) == 1  # the next signature in this session skips argon2
    await confirm_signer(db, sessions, identity, DEMO_PASSWORD, **sign)
    with pytest.raises(SignatureRefused):
        await confirm_signer(db, sessions, identity, "not-my-password", **sign)
    with db.read() as session:
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "signature_refused")
        ).all()
    assert [(e.username, e.role, e.entity_id) for e in refused] == [
        ("reviewer", "reviewer", "reviewer")
    ]
    assert "LNCM-2026-00001-01" in refused[0].new_value


async def test_a_deactivated_signer_cannot_sign(db: Database) -> None:
    _, identity = issue_token(
        b"s" * 32,
        username="approver",
        full_name="Hassan Alaoui",
        roles=["approver"],
        ttl=timedelta(hours=1),
    )
    with db.write() as session:
        service.update_user(session, who=ADMIN, username="approver", reason="left", active=False)
    with pytest.raises(Unauthenticated):
        await confirm_signer(
            db,
            SignerSessions(b"k" * 32),
            identity,
            DEMO_PASSWORD,
            role="approver",
            record_kind="sample_approval",
            record_id="LNCM-2026-00001",
        )
