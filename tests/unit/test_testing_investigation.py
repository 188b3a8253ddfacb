"""The pure rules of OOS investigations: what a Phase I finding and a conclusion must hold,
separation of duties, deadlines, and the canonical text a signature covers."""

from datetime import UTC, datetime, timedelta

import pytest

from kernel.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.testing.investigation import (
    CHECKLIST,
    Deadlines,
    Outcome,
    Phase,
    check_concluder,
    conclusion,
    content_hash,
    phase_one_finding,
    require_phase,
    signed_content,
)

ALL_YES = dict.fromkeys(CHECKLIST, True)


def test_a_finding_without_cause_needs_every_answer_and_a_summary() -> None:
    finding = phase_one_finding(ALL_YES, False, " nothing found ", "analyst2", "analyst")
    assert (finding.cause_found, finding.summary, finding.retest_analyst) == (
        False,
        "nothing found",
        "",
    )
    with pytest.raises(InvalidArgument, match="2 unanswered"):
        phase_one_finding(dict(list(ALL_YES.items())[:-2]), False, "x", "", "analyst")
    with pytest.raises(InvalidArgument, match="unknown item"):
        phase_one_finding(ALL_YES | {"luck": True}, False, "x", "", "analyst")
    with pytest.raises(InvalidArgument, match="summary is required"):
        phase_one_finding(ALL_YES, False, "  ", "", "analyst")


def test_a_cause_needs_a_retest_by_another_analyst() -> None:
    with pytest.raises(InvalidArgument, match="retest_analyst is required"):
        phase_one_finding(ALL_YES, True, "wrong dilution", "", "analyst")
    with pytest.raises(PermissionDenied, match="another analyst"):
        phase_one_finding(ALL_YES, True, "wrong dilution", " Analyst ", "analyst")
    assert phase_one_finding(ALL_YES, True, "wrong dilution", "analyst2", "analyst").cause_found


def test_a_conclusion_is_confirmed_or_invalidated_with_a_retest() -> None:
    assert conclusion("confirmed", "batch fails", "analyst2", "analyst").retest_analyst == ""
    assert conclusion("invalidated", "cause", "analyst2", "analyst").outcome is Outcome.INVALIDATED
    with pytest.raises(InvalidArgument, match="outcome must be one of"):
        conclusion("maybe", "x", "", "analyst")


def test_the_analyst_of_the_result_cannot_sign_and_steps_keep_their_phase() -> None:
    with pytest.raises(PermissionDenied, match="separation of duties"):
        check_concluder("ANALYST", "analyst")
    check_concluder("reviewer", "analyst")
    with pytest.raises(FailedPrecondition, match="needs phase_2"):
        require_phase(Phase.PHASE_1, Phase.PHASE_2, "X-OOS1")


def test_deadlines_and_the_signed_text() -> None:
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    deadlines = Deadlines(timedelta(days=5), timedelta(days=30))
    assert deadlines.due(Phase.PHASE_1, start) == datetime(2026, 11, 7, 9, tzinfo=UTC)
    assert deadlines.due(Phase.PHASE_2, start) == datetime(2026, 12, 2, 9, tzinfo=UTC)
    text = signed_content("X-OOS1", Phase.PHASE_1, {"b": 1, "a": "é"})
    assert text == '{"a":"é","b":1,"investigation":"X-OOS1","phase":"phase_1"}'
    assert content_hash(text) != content_hash(text.replace("é", "e"))
