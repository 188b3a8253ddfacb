"""Whether each signature still matches the record it signed (Part 11 §11.70: a signature is
linked to its record). The signed text is rebuilt from the records as they are now, with the
same functions that built it at signing (workflows.certificate), and hashed: a record changed
after signing no longer matches, and the page and the API say so. Pure: no I/O."""

import hashlib
from collections.abc import Sequence

from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.testing.v1 import testing_pb2
from workflows.certificate import (
    SAMPLE_APPROVAL,
    TEST_REVIEW,
    canonical_text,
    certificate_content,
    result_text,
)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def intact_signatures(
    sample: intake_pb2.Sample,
    plan: testing_pb2.TestPlan | None,
    signatures: Sequence[common_pb2.Signature],
) -> set[str]:
    """The ids of the signatures whose record still reads as it did when signed.

    A review signs one result of a test (each attempt's text differs, so it matches one result
    or none); the approval signs the certificate's content without its own signature."""
    if plan is None:
        return set()
    tests = {test.test_id: test for test in plan.tests}
    intact: set[str] = set()
    approval_hash = ""
    for signature in signatures:
        if signature.record_kind == TEST_REVIEW:
            test = tests.get(signature.record_id)
            results = test.results if test is not None else []
            if test is not None and any(
                _hash(result_text(test, result)) == signature.content_hash for result in results
            ):
                intact.add(signature.signature_id)
        elif signature.record_kind == SAMPLE_APPROVAL:
            if not approval_hash:
                content = certificate_content(sample, plan, signatures, with_approval=False)
                approval_hash = _hash(canonical_text(content))
            if approval_hash == signature.content_hash:
                intact.add(signature.signature_id)
    return intact
