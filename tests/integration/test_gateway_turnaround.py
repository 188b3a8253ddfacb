"""Turnaround targets and the lab calendar through the REST API, against the real services, a
Temporal dev server and the real worker (tests.support.gateway.full_stack)."""

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kernel.timefmt import from_rfc3339
from services.intake.turnaround import Basis, Target, WorkingCalendar, target_duration
from tests.support.gateway import Stack, full_stack, problem

pytestmark = pytest.mark.timeout(600)

SETTINGS = "/api/v1/settings/turnaround"
HOLIDAYS = "/api/v1/settings/calendar/holidays"
WEEKDAYS = "/api/v1/settings/calendar/weekdays"


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-turnaround")) as running:
        yield running


def target(settings: dict[str, Any], purpose: str, priority: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        t for t in settings["targets"] if (t["purpose"], t["priority"]) == (purpose, priority)
    )
    return found


async def test_staff_read_the_targets_and_only_the_admin_changes_them(stack: Stack) -> None:
    settings = await stack.ok(stack.get("reception", SETTINGS))
    assert target(settings, "batch_release", "routine") == {
        "purpose": "batch_release",
        "priority": "routine",
        "days": 15,
        "basis": "calendar_days",
        "updated_at": None,
        "updated_by": None,
    }
    assert settings["calendar"] == {"working_weekdays": [1, 2, 3, 4, 5], "holidays": []}
    problem(await stack.get("requester", SETTINGS), 403)

    body = {"days": 20, "basis": "calendar_days", "reason": "new SOP"}
    path = f"{SETTINGS}/registration/urgent"
    forbidden = await stack.client.put(path, json=body, headers=stack.sessions["reception"])
    assert "admin" in problem(forbidden, 403)["detail"]

    changed = await stack.client.put(path, json=body, headers=stack.sessions["admin"])
    assert changed.status_code == 200, changed.text
    urgent = target(changed.json(), "registration", "urgent")
    assert (urgent["days"], urgent["updated_by"]) == (20, "admin")


async def test_bad_changes_are_refused_with_the_field_and_change_nothing(stack: Stack) -> None:
    admin = stack.sessions["admin"]
    path = f"{SETTINGS}/complaint/urgent"

    zero = await stack.client.put(path, json={"days": 0, "reason": "x"}, headers=admin)
    assert problem(zero, 422)["errors"] == [
        {"field": "days", "message": "must be a whole number of days from 1 to 365 (got 0)"}
    ]
    no_reason = await stack.client.put(path, json={"days": 4}, headers=admin)
    assert [e["field"] for e in problem(no_reason, 422)["errors"]] == ["reason"]
    unknown = await stack.client.put(
        f"{SETTINGS}/cosmetics/urgent", json={"days": 4, "reason": "x"}, headers=admin
    )
    assert [e["field"] for e in problem(unknown, 422)["errors"]] == ["purpose"]
    no_day = await stack.client.put(WEEKDAYS, json={"weekdays": [], "reason": "x"}, headers=admin)
    assert problem(no_day, 422)["errors"] == [
        {"field": "weekdays", "message": "at least one working day of the week is required"}
    ]

    settings = await stack.ok(stack.get("admin", SETTINGS))
    assert target(settings, "complaint", "urgent")["days"] == 5
    assert settings["calendar"]["working_weekdays"] == [1, 2, 3, 4, 5]


async def test_the_admin_lists_and_unlists_non_working_dates(stack: Stack) -> None:
    holiday = {"date": "2031-01-01", "name": "Nouvel An", "reason": "national calendar"}
    added = await stack.ok(stack.post("admin", HOLIDAYS, holiday), 201)
    assert added["calendar"]["holidays"] == [{"date": "2031-01-01", "name": "Nouvel An"}]
    again = await stack.post("admin", HOLIDAYS, holiday)
    assert problem(again, 409)["detail"] == "date: 2031-01-01 is already listed (Nouvel An)"
    problem(await stack.post("reception", HOLIDAYS, holiday), 403)
    bad = await stack.post("admin", HOLIDAYS, {"date": "1/1/2031", "name": "An", "reason": "x"})
    assert problem(bad, 422)["errors"] == [
        {"field": "date", "message": "'1/1/2031' is not an ISO 8601 date (YYYY-MM-DD)"}
    ]
    listed = await stack.ok(stack.get("analyst", HOLIDAYS))
    assert listed == [{"date": "2031-01-01", "name": "Nouvel An"}]

    admin = stack.sessions["admin"]
    unreasoned = await stack.client.delete(f"{HOLIDAYS}/2031-01-01", headers=admin)
    problem(unreasoned, 422)
    missing = await stack.client.delete(
        f"{HOLIDAYS}/2031-01-02", params={"reason": "x"}, headers=admin
    )
    assert problem(missing, 404)["detail"] == "date: 2031-01-02 is not a listed non-working date"
    removed = await stack.client.delete(
        f"{HOLIDAYS}/2031-01-01", params={"reason": "entered by mistake"}, headers=admin
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["calendar"]["holidays"] == []

    audit = await stack.ok(
        stack.get("admin", "/api/v1/audit", params={"entity_id": "2031-01-01", "order": "oldest"})
    )
    assert [(e["action"], e["reason"]) for e in audit["items"]] == [
        ("holiday_added", "national calendar"),
        ("holiday_removed", "entered by mistake"),
    ]


async def test_a_sample_received_after_a_change_to_working_days_is_due_on_the_calendar(
    stack: Stack,
) -> None:
    admin = stack.sessions["admin"]
    body = {"days": 3, "basis": "working_days", "reason": "SOP-QA-012 rev 3"}
    changed = await stack.client.put(f"{SETTINGS}/complaint/routine", json=body, headers=admin)
    assert changed.status_code == 200, changed.text
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    holiday = {"date": tomorrow, "name": "Jour férié", "reason": "test"}
    await stack.ok(stack.post("admin", HOLIDAYS, holiday), 201)

    lab = (await stack.create(purpose="complaint"))["samples"][0]["lab_number"]
    await stack.received(lab)
    sample = await stack.ok(stack.get("reception", f"/api/v1/samples/{lab}"))

    assert (sample["sla"]["target_days"], sample["sla"]["basis"]) == (3, "working_days")
    received = from_rfc3339(sample["received_at"])
    assert received is not None
    calendar = WorkingCalendar(holidays=frozenset({date.fromisoformat(tomorrow)}))
    expected = target_duration(
        received,
        Target(3, Basis.WORKING_DAYS),
        calendar,
        ZoneInfo(stack.settings.timezone),
    )
    assert from_rfc3339(sample["sla"]["due_at"]) == received + expected

    # Changing the target again leaves the received sample's target as it was.
    body = {"days": 10, "basis": "calendar_days", "reason": "back to the default"}
    await stack.client.put(f"{SETTINGS}/complaint/routine", json=body, headers=admin)
    kept = await stack.ok(stack.get("reception", f"/api/v1/samples/{lab}"))
    assert (kept["sla"]["target_days"], kept["sla"]["basis"]) == (3, "working_days")
