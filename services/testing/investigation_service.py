"""Use cases of out-of-specification investigations. Each takes the caller's session, flushes,
never commits, and audits every change in that same session. Every step is idempotent: the
workflow that drives an investigation may call it again after a failure and gets the record."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel import audit
from kernel.errors import FailedPrecondition, InvalidArgument, NotFound
from kernel.lifecycle import TestStatus
from kernel.timefmt import to_rfc3339
from services.testing import investigation as rules
from services.testing import repository, resources_repository
from services.testing.catalogue import write_audit
from services.testing.domain import Conformity
from services.testing.investigation import Deadlines, Outcome, Phase
from services.testing.models import Investigation, PlannedTest, Result
from services.testing.resources import qualification_refusal
from services.testing.resources_service import qualification_of

MEANINGS = frozenset({"authored", "reviewed", "approved"})


@dataclass(frozen=True)
class Signature:
    """A signature of one step, with whether the record still matches what was signed."""

    step: str
    username: str
    full_name: str
    role: str
    meaning: str
    signed_at: str
    content_hash: str
    intact: bool


def _get_test(session: Session, test_id: str) -> PlannedTest:
    test = repository.get_test(session, test_id.strip(), for_update=True)
    if test is None:
        raise NotFound(f"unknown test '{test_id}'")
    return test


def _check_retest_analyst(
    session: Session, record: Investigation, analyst: str, today: date
) -> None:
    """The retest's analyst must be qualified today for the test's technique, like any
    assignee (the instrument and lots are checked again when the retest's result comes)."""
    test = _get_test(session, record.test_id)
    rows = resources_repository.qualifications(session, analyst)
    why = qualification_refusal(analyst, test.technique, [qualification_of(r) for r in rows], today)
    if why:
        raise FailedPrecondition(why.replace("analyst: ", "retest_analyst: ", 1))


def investigation_id(test_id: str, attempt: int) -> str:
    """The investigation of a test's result attempt, e.g. LNCM-2026-00001-03-OOS1."""
    return f"{test_id}-OOS{attempt}"


def _get(session: Session, ident: str, *, for_update: bool = False) -> Investigation:
    query = select(Investigation).where(Investigation.investigation_id == ident.strip())
    found = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if found is None:
        raise NotFound(f"unknown investigation '{ident}'")
    return found


def get(session: Session, ident: str) -> Investigation:
    """One investigation."""
    return _get(session, ident)


def list_investigations(
    session: Session, *, lab_number: str = "", open_only: bool = False
) -> Sequence[Investigation]:
    """Investigations of a sample (or all), oldest first; `open_only`: not yet concluded."""
    query = select(Investigation).order_by(Investigation.opened_at, Investigation.investigation_id)
    if lab_number.strip():
        query = query.where(Investigation.lab_number == lab_number.strip())
    if open_only:
        query = query.where(Investigation.phase != Phase.CONCLUDED.value)
    return session.scalars(query).all()


def _result(test: PlannedTest, attempt: int) -> Result:
    for result in test.results:
        if result.attempt == attempt:
            return result
    raise NotFound(f"test {test.test_id} has no result attempt {attempt}")


def open_investigation(
    session: Session,
    test_id: str,
    attempt: int,
    at: datetime,
    deadlines: Deadlines,
    who: audit.Who,
) -> Investigation:
    """Opens the investigation of an out-of-specification result; a repeat returns it."""
    test = _get_test(session, test_id)
    ident = investigation_id(test.test_id, attempt)
    existing = session.get(Investigation, ident)
    if existing is not None:
        return existing
    result = _result(test, attempt)
    if result.conformity != Conformity.DOES_NOT_CONFORM:
        raise FailedPrecondition(
            f"result {attempt} of {test.test_id} conforms: there is nothing to investigate"
        )
    record = Investigation(
        investigation_id=ident,
        lab_number=test.lab_number,
        test_id=test.test_id,
        attempt=attempt,
        analyst=result.submitted_by_username,
        reportable_value=f"{result.reportable_value} {test.unit}".strip(),
        phase=Phase.PHASE_1.value,
        opened_at=at,
        phase_1_due=deadlines.due(Phase.PHASE_1, at),
        phase_2_due=None,
        escalations=[],
        checklist={},
        phase_1_summary="",
        phase_1_at=None,
        outcome="",
        conclusion="",
        retest_analyst="",
        concluded_at=None,
        signatures=[],
    )
    session.add(record)
    session.flush()
    write_audit(
        session,
        who,
        "investigation_opened",
        "investigation",
        ident,
        new={
            "lab_number": record.lab_number,
            "test_id": test.test_id,
            "attempt": attempt,
            "reportable_value": record.reportable_value,
            "criterion": test.criterion_display,
            "phase_1_due": to_rfc3339(record.phase_1_due),
        },
    )
    return record


def record_escalation(
    session: Session, ident: str, phase: str, at: datetime, who: audit.Who
) -> Investigation:
    """Records that a phase passed its deadline unfinished (once per phase)."""
    record = _get(session, ident, for_update=True)
    try:
        late = Phase(phase)
    except ValueError:
        raise InvalidArgument(
            f"phase must be {Phase.PHASE_1.value} or {Phase.PHASE_2.value}"
        ) from None
    if any(e["phase"] == late.value for e in record.escalations) or record.phase != late.value:
        return record  # a repeat, or the phase ended while the reminder was on its way
    due = record.phase_1_due if late is Phase.PHASE_1 else record.phase_2_due
    record.escalations = [*record.escalations, {"phase": late.value, "at": to_rfc3339(at)}]
    session.flush()
    write_audit(
        session,
        who,
        "investigation_escalated",
        "investigation",
        ident,
        new={"phase": late.value, "due": to_rfc3339(due), "escalated_at": to_rfc3339(at)},
        reason=f"{late.value} was not finished by its deadline",
    )
    return record


def _sign(
    record: Investigation,
    step: Phase,
    content: dict[str, object],
    who: audit.Who,
    meaning: str,
    at: datetime,
) -> None:
    if meaning not in MEANINGS:
        raise InvalidArgument(f"meaning must be one of {', '.join(sorted(MEANINGS))}")
    text = rules.signed_content(record.investigation_id, step, content)
    signature = {
        "step": step.value,
        "username": who.username,
        "full_name": who.full_name,
        "role": who.role,
        "meaning": meaning,
        "signed_at": to_rfc3339(at),
        "content_hash": rules.content_hash(text),
    }
    record.signatures = [*record.signatures, signature]


def _phase_one_content(record: Investigation) -> dict[str, object]:
    return {
        "test_id": record.test_id,
        "attempt": record.attempt,
        "reportable_value": record.reportable_value,
        "checklist": record.checklist,
        "summary": record.phase_1_summary,
        # Phase II opens exactly when Phase I found no cause: a fact that later steps never change.
        "cause_found": record.phase_2_due is None,
        "retest_analyst": record.retest_analyst if record.phase_2_due is None else "",
    }


def _conclusion_content(record: Investigation) -> dict[str, object]:
    return {
        "test_id": record.test_id,
        "attempt": record.attempt,
        "reportable_value": record.reportable_value,
        "outcome": record.outcome,
        "conclusion": record.conclusion,
        "retest_analyst": record.retest_analyst,
    }


def signatures(record: Investigation) -> list[Signature]:
    """The record's signatures, each checked against the record as it is now."""
    checked = []
    for sig in record.signatures:
        step = Phase(sig["step"])
        content = (
            _phase_one_content(record) if step is Phase.PHASE_1 else _conclusion_content(record)
        )
        text = rules.signed_content(record.investigation_id, step, content)
        checked.append(Signature(**sig, intact=rules.content_hash(text) == sig["content_hash"]))
    return checked


def _invalidate(
    session: Session,
    record: Investigation,
    reason: str,
    retest_analyst: str,
    who: audit.Who,
    at: datetime,
) -> None:
    """Invalidates the investigated result (its values stay) and gives the retest to another
    analyst: the test is assigned again and its next result is a new attempt."""
    test = _get_test(session, record.test_id)
    result = _result(test, record.attempt)
    result.invalidated_reason = reason
    result.invalidated_by = who.username
    result.invalidated_at = at
    old = {"status": test.status, "analyst": test.analyst}
    test.status = TestStatus.ASSIGNED.value
    test.analyst = retest_analyst
    test.assigned_by_username = who.username
    test.assigned_by_full_name = who.full_name
    test.assigned_by_role = who.role
    test.assigned_at = at
    session.flush()
    write_audit(
        session,
        who,
        "result_invalidated",
        "test",
        test.test_id,
        old=old,
        new={
            "status": test.status,
            "analyst": retest_analyst,
            "invalidated_attempt": record.attempt,
            "investigation": record.investigation_id,
        },
        reason=reason,
    )


def record_phase_one(
    session: Session,
    ident: str,
    checklist: dict[str, bool],
    cause_found: bool,
    summary: str,
    retest_analyst: str,
    meaning: str,
    deadlines: Deadlines,
    at: datetime,
    today: date,
    who: audit.Who,
) -> Investigation:
    """The signed Phase I finding: a laboratory cause invalidates the result and assigns the
    retest; none opens Phase II. A repeat after the step was recorded returns the record."""
    record = _get(session, ident, for_update=True)
    if record.phase_1_at is not None:
        return record
    rules.require_phase(Phase(record.phase), Phase.PHASE_1, record.investigation_id)
    rules.check_concluder(who.username, record.analyst)
    finding = rules.phase_one_finding(
        checklist, cause_found, summary, retest_analyst, record.analyst
    )
    old = {"phase": record.phase}
    record.checklist = finding.checklist
    record.phase_1_summary = finding.summary
    record.phase_1_at = at
    if finding.cause_found:
        record.phase = Phase.CONCLUDED.value
        record.outcome = Outcome.INVALIDATED.value
        record.conclusion = finding.summary
        record.retest_analyst = finding.retest_analyst
        record.concluded_at = at
    else:
        record.phase = Phase.PHASE_2.value
        record.phase_2_due = deadlines.due(Phase.PHASE_2, at)
    _sign(record, Phase.PHASE_1, _phase_one_content(record), who, meaning, at)
    session.flush()
    write_audit(
        session,
        who,
        "investigation_phase_1_signed",
        "investigation",
        record.investigation_id,
        old=old,
        new={
            "phase": record.phase,
            "checklist": finding.checklist,
            "cause_found": finding.cause_found,
            "summary": finding.summary,
            "retest_analyst": finding.retest_analyst,
            "phase_2_due": to_rfc3339(record.phase_2_due),
            "signature": record.signatures[-1],
        },
    )
    if finding.cause_found:
        _invalidate(session, record, finding.summary, finding.retest_analyst, who, at)
    return record


def conclude(
    session: Session,
    ident: str,
    outcome: str,
    summary: str,
    retest_analyst: str,
    meaning: str,
    at: datetime,
    today: date,
    who: audit.Who,
) -> Investigation:
    """The signed conclusion of Phase II: the OOS is confirmed (the result stands) or the result
    is invalidated with a retest. A repeat after the conclusion returns the record."""
    record = _get(session, ident, for_update=True)
    if record.phase == Phase.CONCLUDED.value and record.phase_2_due is not None:
        return record
    rules.require_phase(Phase(record.phase), Phase.PHASE_2, record.investigation_id)
    rules.check_concluder(who.username, record.analyst)
    decided = rules.conclusion(outcome, summary, retest_analyst, record.analyst)
    if decided.outcome is Outcome.INVALIDATED:
        _check_retest_analyst(session, record, decided.retest_analyst, today)
    record.phase = Phase.CONCLUDED.value
    record.outcome = decided.outcome.value
    record.conclusion = decided.summary
    record.retest_analyst = decided.retest_analyst
    record.concluded_at = at
    _sign(record, Phase.CONCLUDED, _conclusion_content(record), who, meaning, at)
    session.flush()
    write_audit(
        session,
        who,
        "investigation_concluded",
        "investigation",
        record.investigation_id,
        old={"phase": Phase.PHASE_2.value},
        new={
            "phase": record.phase,
            "outcome": record.outcome,
            "conclusion": record.conclusion,
            "retest_analyst": record.retest_analyst,
            "signature": record.signatures[-1],
        },
    )
    if decided.outcome is Outcome.INVALIDATED:
        _invalidate(session, record, decided.summary, decided.retest_analyst, who, at)
    return record
