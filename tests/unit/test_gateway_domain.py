"""Who may do what at the gateway: roles, acting role, sample visibility, test ids, SLA state."""

import pytest

from services.gateway.domain import (
    DEMO_USERS,
    STAFF,
    Role,
    acting_role,
    is_staff,
    lab_number_of_test,
    may_attach,
    may_see_sample,
    needs_role_message,
    sla_state,
)


def test_acting_role_is_the_first_allowed_role_the_user_holds() -> None:
    allowed = (Role.REVIEWER, Role.QUALITY, Role.ADMIN)
    assert acting_role(["analyst", "reviewer"], allowed) is Role.REVIEWER
    assert acting_role(["admin", "quality"], allowed) is Role.QUALITY


def test_user_without_an_allowed_role_has_no_acting_role() -> None:
    assert acting_role(["analyst"], (Role.REVIEWER,)) is None
    assert acting_role([], (Role.REQUESTER,)) is None


def test_refusal_names_the_role_needed() -> None:
    assert needs_role_message((Role.REVIEWER,)) == "this action needs the role 'reviewer'"
    assert (
        needs_role_message((Role.RECEPTION, Role.ADMIN))
        == "this action needs one of the roles 'reception', 'admin'"
    )


def test_requester_sees_only_their_own_samples_and_staff_see_all() -> None:
    assert may_see_sample("requester", ["requester"], "requester")
    assert not may_see_sample("requester", ["requester"], "someone-else")
    assert may_see_sample("quality", ["quality"], "someone-else")
    assert not is_staff(["requester"])
    assert all(is_staff([role]) for role in STAFF)


@pytest.mark.parametrize(
    ("test_id", "lab_number"),
    [
        ("LNCM-2026-00001-03", "LNCM-2026-00001"),
        ("LNCM-2026-12345-10", "LNCM-2026-12345"),
        ("LNCM-2026-00001", "LNCM-2026"),  # shape only: the testing service says if it exists
        ("LNCM-2026-00001-x3", None),
        ("00001-03", None),
        ("-03", None),
        ("nothing", None),
    ],
)
def test_lab_number_of_a_test_is_its_id_without_the_sequence(
    test_id: str, lab_number: str | None
) -> None:
    assert lab_number_of_test(test_id) == lab_number


def test_sla_state_follows_the_marks_the_workflow_recorded() -> None:
    due = "2026-03-01T00:00:00Z"
    assert sla_state(due_at="", warning_at="", breached_at="") == "none"
    assert sla_state(due_at=due, warning_at="", breached_at="") == "ok"
    assert sla_state(due_at=due, warning_at=due, breached_at="") == "warning"
    assert sla_state(due_at=due, warning_at=due, breached_at=due) == "breached"


def test_demo_users_cover_every_role_and_the_reviewer_can_also_analyse() -> None:
    users = {username: roles for username, _, roles in DEMO_USERS}
    assert set(users) == {
        "requester",
        "reception",
        "analyst",
        "analyst2",
        "reviewer",
        "approver",
        "quality",
        "admin",
    }
    assert {role for roles in users.values() for role in roles} == set(Role)
    assert users["reviewer"] == (Role.REVIEWER, Role.ANALYST)


def test_files_are_attached_by_the_assigned_analyst_or_a_reviewer() -> None:
    assert may_attach("analyst", ["analyst"], "analyst")
    assert not may_attach("analyst2", ["analyst"], "analyst")
    assert may_attach("reviewer", ["reviewer", "analyst"], "analyst")
    assert not may_attach("analyst", ["analyst"], "")  # not assigned yet
