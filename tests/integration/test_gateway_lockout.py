"""Repeated wrong passwords lock the account for a while (issue 6; 21 CFR 11.300(d)).

The gateway runs alone, on SQLite and on PostgreSQL: the services and Temporal are addresses
where nothing listens, so a signature that got past the password check would answer 503."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kernel.audit import verify_chain
from kernel.db import Database
from kernel.settings import Settings
from kernel.timefmt import from_rfc3339, utcnow
from services.gateway import credentials
from services.gateway.domain import DEMO_PASSWORD
from services.gateway.models import AuditEntry
from tests.support.gateway import alone, gateway, problem, sign_in

WRONG = "not-the-password"
REVIEW = "/api/v1/tests/LNCM-2026-00001-01/review"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return alone(database_url, tmp_path)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(settings) as client:
        yield client


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url("gateway"))
    yield database
    await database.dispose()


async def token(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


def entries(db: Database, username: str) -> list[AuditEntry]:
    """The audit entries about one user after their creation, in order; the chain verified."""
    with db.read() as session:
        found = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_id == username, AuditEntry.action != "user_created")
            .order_by(AuditEntry.seq)
        ).all()
        assert verify_chain(session, AuditEntry).broken_at is None
    return list(found)


def later(monkeypatch: pytest.MonkeyPatch, minutes: int) -> None:
    """Moves the lockout's clock `minutes` ahead."""
    start = utcnow()
    monkeypatch.setattr(credentials, "clock", lambda: start + timedelta(minutes=minutes))


async def test_five_wrong_passwords_lock_and_then_even_the_right_one_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    for _ in range(4):
        wrong = problem(await token(client, "analyst", WRONG), 401)
        assert (wrong["type"], wrong["detail"]) == (
            "/problems/unauthenticated",
            "wrong login name or password",
        )
    before = utcnow()
    fifth = await token(client, "analyst", WRONG)
    locked = problem(fifth, 401)
    assert locked["type"] == "/problems/account-locked"
    assert "locked until" in locked["detail"]
    until = from_rfc3339(locked["detail"].split("locked until ")[1].split(";")[0])
    assert until is not None
    assert timedelta(minutes=15) <= until - before <= timedelta(minutes=15, seconds=2)
    assert 890 <= int(fifth.headers["retry-after"]) <= 901

    right = await token(client, "analyst", DEMO_PASSWORD)
    assert problem(right, 401) == locked  # the same words: the right password is not told apart
    await sign_in(client, "analyst2")  # nobody else is locked

    trail = entries(db, "analyst")
    assert [(e.action, e.username) for e in trail] == [("sign_in_refused", "system")] * 5 + [
        ("account_locked", "system"),
        ("sign_in_refused", "system"),
    ]
    assert [json.loads(e.new_value)["failed_attempts"] for e in trail[:5]] == [1, 2, 3, 4, 5]
    assert json.loads(trail[0].new_value)["channel"] == "api"
    assert trail[0].reason == "the password given for the sign-in was wrong"
    assert trail[5].reason == "5 consecutive failed password attempts"
    assert "the password was not checked" in trail[6].reason


async def test_the_lock_runs_out_and_its_end_is_recorded(
    client: httpx.AsyncClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        await token(client, "analyst", WRONG)
    later(monkeypatch, 14)
    problem(await token(client, "analyst", DEMO_PASSWORD), 401)
    later(monkeypatch, 16)
    await sign_in(client, "analyst")
    ended = entries(db, "analyst")[-1]
    assert (ended.action, ended.username, ended.reason) == (
        "account_unlocked",
        "system",
        "the lock period ended",
    )
    for _ in range(4):  # the full number of tries again
        assert problem(await token(client, "analyst", WRONG), 401)["type"].endswith(
            "unauthenticated"
        )


async def test_a_right_password_resets_the_count(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        await token(client, "analyst", WRONG)
    await sign_in(client, "analyst")
    for _ in range(4):
        problem(await token(client, "analyst", WRONG), 401)
    await sign_in(client, "analyst")  # 8 failures, never 5 in a row
    for _ in range(4):
        await token(client, "analyst", WRONG)
    body = problem(await token(client, "analyst", WRONG), 401)
    assert body["type"] == "/problems/account-locked"


async def test_wrong_signature_passwords_count_and_a_locked_signer_cannot_sign(
    client: httpx.AsyncClient, db: Database
) -> None:
    reviewer = await sign_in(client, "reviewer")
    for _ in range(3):
        await token(client, "reviewer", WRONG)
    for _ in range(2):
        answer = await client.post(
            REVIEW, json={"decision": "accept", "password": WRONG}, headers=reviewer
        )
        refused = problem(answer, 401)
    assert refused["type"] == "/problems/signature-refused"
    assert "locked until" in refused["detail"]  # the fifth failure in a row, signature or not
    # The right password now: refused before Temporal is reached (that would be a 503).
    answer = await client.post(
        REVIEW, json={"decision": "accept", "password": DEMO_PASSWORD}, headers=reviewer
    )
    assert "locked until" in problem(answer, 401)["detail"]
    problem(await token(client, "reviewer", DEMO_PASSWORD), 401)

    trail = entries(db, "reviewer")
    assert [e.action for e in trail] == [
        "sign_in_refused",
        "sign_in_refused",
        "sign_in_refused",
        "signature_refused",
        "signature_refused",
        "account_locked",
        "signature_refused",
        "sign_in_refused",
    ]
    signature = trail[3]
    assert (signature.username, signature.role) == ("reviewer", "reviewer")
    assert json.loads(signature.new_value) == {
        "record_kind": "test_review",
        "record_id": "LNCM-2026-00001-01",
        "failed_attempts": 4,
    }


async def test_admin_unlocks_with_a_reason_and_it_is_audited(
    client: httpx.AsyncClient, db: Database
) -> None:
    admin = await sign_in(client, "admin")
    analyst2 = await sign_in(client, "analyst2")
    for _ in range(5):
        await token(client, "analyst", WRONG)
    unlock = "/api/v1/users/analyst/unlock"
    reason = {"reason": "identity checked by telephone"}
    problem(await client.post(unlock, json=reason, headers=analyst2), 403)
    problem(await client.post(unlock, json={}, headers=admin), 422)
    problem(await client.post("/api/v1/users/ghost/unlock", json=reason, headers=admin), 404)
    problem(await token(client, "analyst", DEMO_PASSWORD), 401)

    answer = await client.post(unlock, json=reason, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["username"] == "analyst"
    await sign_in(client, "analyst")
    again = await client.post(unlock, json={"reason": "twice"}, headers=admin)
    assert again.status_code == 200  # not locked: nothing changes, nothing recorded

    unlocked = [e for e in entries(db, "analyst") if e.action == "account_unlocked"]
    assert len(unlocked) == 1
    entry = unlocked[0]
    assert (entry.username, entry.role, entry.reason) == (
        "admin",
        "admin",
        "identity checked by telephone",
    )
    old = json.loads(entry.old_value)
    assert old["failed_attempts"] == 0 and old["locked_until"]
    assert json.loads(entry.new_value) == {"failed_attempts": 0, "locked_until": ""}


async def test_the_web_sign_in_counts_and_says_the_account_is_locked(
    client: httpx.AsyncClient, db: Database
) -> None:
    client.cookies.set("lims_lang", "en")
    form = {"username": "approver", "password": WRONG, "next": "/"}
    for _ in range(4):
        page = await client.post("/login", data=form)
        assert page.status_code == 401
        assert "Wrong login name or password." in page.text
    page = await client.post("/login", data=form)
    assert page.status_code == 401
    assert "this account is locked until" in page.text
    right = await client.post("/login", data=form | {"password": DEMO_PASSWORD})
    assert right.status_code == 401 and "this account is locked until" in right.text
    problem(await token(client, "approver", DEMO_PASSWORD), 401)  # the API shares the lock
    channels = [json.loads(e.new_value).get("channel") for e in entries(db, "approver")]
    assert channels == ["web"] * 5 + [None, "web", "api"]  # None: the account_locked entry


async def test_concurrent_wrong_passwords_are_each_counted_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    answers = await asyncio.gather(*(token(client, "quality", WRONG) for _ in range(5)))
    assert all(answer.status_code == 401 for answer in answers)
    trail = entries(db, "quality")
    counted = sorted(
        json.loads(e.new_value)["failed_attempts"] for e in trail if e.action == "sign_in_refused"
    )
    assert counted == [1, 2, 3, 4, 5]
    assert [e.action for e in trail].count("account_locked") == 1
    problem(await token(client, "quality", DEMO_PASSWORD), 401)


async def test_unknown_users_are_never_told_about_locks(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(6):
        unknown = problem(await token(client, "nobody", WRONG), 401)
    assert unknown["detail"] == "wrong login name or password"
