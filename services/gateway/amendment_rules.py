"""Who may issue a corrected certificate: the separation of duties of the approval, again.

Pure: no I/O. The amendment is a new approval of the sample's results, so whoever entered or
reviewed one of them may not issue it (a reviewer may, where the lab allows it for approval)."""

from collections.abc import Iterable

from lims.common.v1 import common_pb2
from lims.testing.v1 import testing_pb2
from workflows.certificate import TEST_REVIEW, reported_tests


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def analysts_of(plan: testing_pb2.TestPlan) -> set[str]:
    """Who entered a result that the certificate reports."""
    return {
        result.submitted_by.username
        for test in reported_tests(plan)
        for result in test.results
        if result.submitted_by.username
    }


def reviewers_of(signatures: Iterable[common_pb2.Signature]) -> set[str]:
    """Who signed a review of one of the sample's results."""
    return {s.username for s in signatures if s.record_kind == TEST_REVIEW and s.username}


def refusal(
    amender: str,
    *,
    analysts: Iterable[str],
    reviewers: Iterable[str],
    allow_reviewer_as_approver: bool,
) -> str | None:
    """Why this person may not issue the corrected certificate, or None if they may."""
    if any(_same(amender, analyst) for analyst in analysts):
        return (
            f"{amender} cannot amend this certificate: they entered one of its results "
            "(separation of duties); ask another approver"
        )
    if not allow_reviewer_as_approver and any(_same(amender, r) for r in reviewers):
        return (
            f"{amender} cannot amend this certificate: they reviewed one of its results "
            "(separation of duties); ask another approver"
        )
    return None
