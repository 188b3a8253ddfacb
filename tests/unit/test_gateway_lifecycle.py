"""The gateway's reading of the workflow's answers: the status an update returns, and what it
says the services hold."""

from temporalio.converter import DataConverter

from services.gateway.lifecycle import status_from_json
from services.gateway.reads import may_be_signed
from workflows.contracts import LifecycleStatus, SlaState, TestState


def lifecycle_status(*tests: TestState, report_number: str = "") -> LifecycleStatus:
    return LifecycleStatus(
        lab_number="LNCM-2026-00001",
        status="in_testing",
        tests=list(tests),
        sla=SlaState(
            target_days=30,
            started_at="2026-01-05T08:00:00Z",
            due_at="2026-02-04T08:00:00Z",
            on_hold=True,
            held_seconds=12.5,
        ),
        report_number=report_number,
    )


def tracked_test(attempt: int = 0, status: str = "assigned") -> TestState:
    return TestState(
        test_id=f"LNCM-2026-00001-0{attempt + 1}",
        code="ASSAY",
        status=status,
        analyst="analyst",
        attempt=attempt,
        conformity="conforms" if attempt else "",
    )


async def test_an_update_answer_reads_as_the_sdk_would_decode_it() -> None:
    sent = lifecycle_status(
        tracked_test(),
        tracked_test(attempt=2, status="submitted"),
        report_number="LNCM-CoA-2026-0001",
    )
    converter = DataConverter.default
    payloads = await converter.encode([sent])
    [as_json] = await converter.decode(payloads, [dict])
    [typed] = await converter.decode(payloads, [LifecycleStatus])
    assert status_from_json(as_json) == typed == sent


def test_signatures_and_a_certificate_are_looked_for_only_once_a_result_exists() -> None:
    assert not may_be_signed(lifecycle_status())
    assert not may_be_signed(lifecycle_status(tracked_test(), tracked_test()))
    assert may_be_signed(
        lifecycle_status(tracked_test(), tracked_test(attempt=1, status="submitted"))
    )
    assert may_be_signed(
        lifecycle_status(tracked_test(attempt=1, status="accepted"), report_number="R-1")
    )
