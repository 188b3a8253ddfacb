"""Use cases of test plans, assignment, results and review. Each takes the caller's session,
flushes, never commits, and writes an audit entry for every change in that same session."""

import re
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date

from sqlalchemy.orm import Session

from kernel import audit
from kernel.errors import AlreadyExists, InvalidArgument, NotFound
from kernel.lifecycle import TestStatus
from kernel.timefmt import utcnow
from services.testing import catalogue, domain, evaluation, repository
from services.testing.catalogue import spec_columns, spec_of, write_audit
from services.testing.models import PlannedTest, Result, TestPlan
from services.testing.resources import NO_RESOURCES, Resources
from services.testing.resources_service import check_resources

_LAB_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
_MAX_KEY_LENGTH = 200
_MAX_REMARKS_LENGTH = 4000
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 500


def _require_actor(who: audit.Who) -> None:
    if not who.username.strip():
        raise InvalidArgument("actor.username is required")


def _require_key(name: str, key: str) -> str:
    key = key.strip()
    if not key:
        raise InvalidArgument(f"{name} is required (the caller's idempotency key)")
    if len(key) > _MAX_KEY_LENGTH:
        raise InvalidArgument(f"{name}: at most {_MAX_KEY_LENGTH} characters")
    return key


# ---- test plans --------------------------------------------------------------------------------


def create_test_plan(
    session: Session, lab_number: str, product_code: str, who: audit.Who
) -> TestPlan:
    """Plans a sample's tests from its product's current specification; a repeat returns the plan."""
    lab_number, product_code = lab_number.strip(), product_code.strip()
    if not _LAB_NUMBER.fullmatch(lab_number):
        raise InvalidArgument(
            f"lab_number {lab_number!r}: 1 to 40 letters, digits and '-' are required"
        )
    if not product_code:
        raise InvalidArgument("product_code is required")
    _require_actor(who)
    existing = repository.get_plan(session, lab_number)
    if existing is not None:
        if existing.product_code != product_code:
            raise AlreadyExists(
                f"sample {lab_number} already has a test plan for product "
                f"'{existing.product_code}', not '{product_code}'"
            )
        return existing
    view = catalogue.get_product(session, product_code)
    spec, now = view.specification, utcnow()
    plan = TestPlan(
        lab_number=lab_number,
        product_code=product_code,
        specification_id=spec.specification_id,
        specification_version=spec.version,
        specification_source=spec.source,
        specification_reference=spec.reference,
        created_at=now,
        created_by=who.username,
        tests=[
            PlannedTest(
                test_id=domain.planned_test_id(lab_number, sequence),
                sequence=sequence,
                product_code=product_code,
                status=TestStatus.PENDING,
                analyst="",
                assigned_by_username="",
                assigned_by_full_name="",
                assigned_by_role="",
                assigned_at=None,
                instrument_code="",
                reference_standard_lots=[],
                reagent_lots=[],
                results=[],
                **spec_columns(spec_of(row)),
            )
            for sequence, row in enumerate(spec.tests, 1)
        ],
    )
    session.add(plan)
    session.flush()
    write_audit(
        session,
        who,
        "test_plan_created",
        "test_plan",
        lab_number,
        new={
            "product_code": product_code,
            "specification": f"{spec.specification_id}/v{spec.version}",
            "tests": {t.test_id: t.code for t in plan.tests},
        },
    )
    for test in plan.tests:
        write_audit(
            session,
            who,
            "test_planned",
            "test",
            test.test_id,
            new={"code": test.code, "status": test.status, "spec": asdict(spec_of(test))},
        )
    return plan


def get_test_plan(session: Session, lab_number: str) -> TestPlan:
    """A sample's test plan."""
    plan = repository.get_plan(session, lab_number.strip())
    if plan is None:
        raise NotFound(f"sample '{lab_number}' has no test plan")
    return plan


def _get_test(session: Session, test_id: str, *, for_update: bool = False) -> PlannedTest:
    test = repository.get_test(session, test_id.strip(), for_update=for_update)
    if test is None:
        raise NotFound(f"unknown test '{test_id}'")
    return test


def get_test(session: Session, test_id: str) -> PlannedTest:
    """One test with every result."""
    return _get_test(session, test_id)


def list_tests(
    session: Session,
    *,
    analyst: str = "",
    statuses: Sequence[str] = (),
    lab_number: str = "",
    page_size: int = 0,
    offset: int = 0,
) -> tuple[Sequence[PlannedTest], int]:
    """The worklist: a page of tests matching the filters, and how many match in all."""
    page_size = page_size or DEFAULT_PAGE_SIZE
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
    if offset < 0:
        raise InvalidArgument(f"offset must not be negative, not {offset}")
    for status in statuses:
        if status not in TestStatus.__members__.values():
            raise InvalidArgument(f"statuses: unknown test status {status!r}")
    return repository.list_tests(
        session,
        analyst=analyst.strip(),
        statuses=list(statuses),
        lab_number=lab_number.strip(),
        limit=page_size,
        offset=offset,
    )


# ---- assignment, results, review ---------------------------------------------------------------


def _resources_of(row: PlannedTest | Result) -> Resources:
    return Resources(
        row.instrument_code, tuple(row.reference_standard_lots), tuple(row.reagent_lots)
    )


def _resources_audit(wanted: Resources) -> dict[str, object]:
    return {
        "instrument_code": wanted.instrument,
        "reference_standard_lots": list(wanted.reference_standards),
        "reagent_lots": list(wanted.reagents),
    }


def assign_test(
    session: Session,
    test_id: str,
    analyst: str,
    who: audit.Who,
    *,
    today: date,
    wanted: Resources = NO_RESOURCES,
) -> PlannedTest:
    """Assigns a test to an analyst qualified for its technique, with the instrument and lots
    gating allows today, or reassigns it before a result; the same assignment again is a no-op."""
    analyst = analyst.strip()
    if not analyst:
        raise InvalidArgument("analyst is required")
    _require_actor(who)
    test = _get_test(session, test_id, for_update=True)
    status = TestStatus(test.status)
    if status is TestStatus.ASSIGNED and test.analyst == analyst and _resources_of(test) == wanted:
        return test
    domain.check_assignable(test.test_id, status)
    check_resources(session, analyst=analyst, technique=test.technique, wanted=wanted, today=today)
    old = {"status": test.status, "analyst": test.analyst, **_resources_audit(_resources_of(test))}
    test.status, test.analyst = TestStatus.ASSIGNED, analyst
    test.instrument_code = wanted.instrument
    test.reference_standard_lots = list(wanted.reference_standards)
    test.reagent_lots = list(wanted.reagents)
    test.assigned_by_username = who.username
    test.assigned_by_full_name = who.full_name
    test.assigned_by_role = who.role
    test.assigned_at = utcnow()
    session.flush()
    action = "test_assigned" if status is TestStatus.PENDING else "test_reassigned"
    write_audit(
        session,
        who,
        action,
        "test",
        test.test_id,
        old=old,
        new={"status": test.status, "analyst": analyst, **_resources_audit(wanted)},
    )
    return test


def preview_result(
    session: Session, test_id: str, values: Sequence[str]
) -> tuple[PlannedTest, domain.Evaluation]:
    """What submit_result would compute from these values, for the analyst to see before
    submitting. Reads only, whatever the test's state or the caller: nothing changes, so there
    is nothing to audit. Bad values are refused with submit_result's own messages."""
    test = _get_test(session, test_id)
    return test, evaluation.evaluate(spec_of(test), values)


def submit_result(
    session: Session,
    test_id: str,
    values: Sequence[str],
    remarks: str,
    who: audit.Who,
    submission_key: str,
    *,
    today: date,
    used: Resources = NO_RESOURCES,
) -> PlannedTest:
    """Records the assigned analyst's raw values with the reportable value and verdict computed
    from them, and the instrument and lots used (the assignment's unless `used` names others),
    gated as at assignment; a repeat of the same submission key returns the test unchanged."""
    key = _require_key("submission_key", submission_key)
    _require_actor(who)
    test = _get_test(session, test_id, for_update=True)
    if any(r.submission_key == key for r in test.results):
        return test
    domain.check_submittable(test.test_id, TestStatus(test.status), test.analyst, who.username)
    remarks = remarks.strip()
    if len(remarks) > _MAX_REMARKS_LENGTH:
        raise InvalidArgument(f"remarks: at most {_MAX_REMARKS_LENGTH} characters")
    evaluated = evaluation.evaluate(spec_of(test), values)
    assigned = _resources_of(test)
    # The analyst may name what they really used; what they leave empty is the assignment's.
    used = Resources(
        used.instrument or assigned.instrument,
        used.reference_standards or assigned.reference_standards,
        used.reagents or assigned.reagents,
    )
    # Gated again: a calibration or a lot may have lapsed since the assignment.
    check_resources(
        session,
        analyst=test.analyst,
        technique=test.technique,
        wanted=used,
        today=today,
        check_analyst=False,
    )
    result = Result(
        attempt=len(test.results) + 1,
        values=list(evaluated.values),
        unrounded_value=evaluated.unrounded,
        reportable_value=evaluated.reportable,
        conformity=evaluated.conformity,
        warning=evaluated.warning,
        below_loq=evaluated.below_loq,
        replicate_values=list(evaluated.replicate_values),
        remarks=remarks,
        submitted_by_username=who.username,
        submitted_by_full_name=who.full_name,
        submitted_by_role=who.role,
        submitted_at=utcnow(),
        submission_key=key,
        review_outcome="",
        review_reason="",
        reviewed_by_username="",
        reviewed_by_full_name="",
        reviewed_by_role="",
        reviewed_at=None,
        review_key=None,
        instrument_code=used.instrument,
        reference_standard_lots=list(used.reference_standards),
        reagent_lots=list(used.reagents),
    )
    test.results.append(result)
    old_status, test.status = test.status, TestStatus.SUBMITTED
    session.flush()
    write_audit(
        session,
        who,
        "result_submitted",
        "test",
        test.test_id,
        old={"status": old_status},
        new={
            "status": test.status,
            "attempt": result.attempt,
            "values": result.values,
            "unrounded_value": result.unrounded_value,
            "reportable_value": result.reportable_value,
            "unit": test.unit,
            "conformity": result.conformity,
            "remarks": remarks,
            **_resources_audit(used),
            **_flags(result),
        },
    )
    return test


def _flags(result: Result) -> dict[str, object]:
    # Only what applies, so that the entry of a plain result reads as it always did.
    flags: dict[str, object] = {}
    if result.warning:
        flags["warning"] = True
    if result.below_loq:
        flags["below_loq"] = True
    if result.replicate_values:
        flags["replicate_values"] = result.replicate_values
    return flags


def record_review_outcome(
    session: Session,
    test_id: str,
    accepted: bool,
    reason: str,
    who: audit.Who,
    review_key: str,
) -> PlannedTest:
    """Accepts the current result, or sends the test back to its analyst with a reason;
    a repeat of the same review key returns the test unchanged."""
    key = _require_key("review_key", review_key)
    _require_actor(who)
    reason = reason.strip()
    test = _get_test(session, test_id, for_update=True)
    if any(r.review_key == key for r in test.results):
        return test
    if not accepted and not reason:
        raise InvalidArgument("reason is required when a result is sent back")
    current = test.results[-1] if test.results else None
    submitter = current.submitted_by_username if current else ""
    domain.check_reviewable(test.test_id, TestStatus(test.status), submitter, who.username)
    assert current is not None, "a submitted test has a result"
    new_status, outcome = domain.review_transition(accepted)
    old_status, test.status = test.status, new_status
    current.review_outcome = outcome
    current.review_reason = reason
    current.reviewed_by_username = who.username
    current.reviewed_by_full_name = who.full_name
    current.reviewed_by_role = who.role
    current.reviewed_at = utcnow()
    current.review_key = key
    session.flush()
    write_audit(
        session,
        who,
        f"result_{outcome}",
        "test",
        test.test_id,
        old={"status": old_status},
        new={
            "status": test.status,
            "attempt": current.attempt,
            "review_outcome": outcome,
            "analyst": test.analyst,
        },
        reason=reason,
    )
    return test
