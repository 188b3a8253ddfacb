"""Reading what the services hold, as the REST API shows it (several services at once)."""

import asyncio
import base64
from collections.abc import Sequence

import grpc
from google.protobuf import json_format

from kernel.proto_enums import enum_to_str
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.reporting.v1 import reporting_pb2
from lims.review.v1 import review_pb2
from lims.testing.v1 import investigation_pb2, testing_pb2
from services.gateway import convert
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.domain import lab_number_of_test, may_see_sample
from services.gateway.problems import FieldError, Missing, Problem, from_grpc
from services.gateway.schemas import ResultPreviewOut, SampleDetail, TestOut
from workflows.contracts import LifecycleStatus


def _not_found(error: grpc.aio.AioRpcError) -> bool:
    return bool(error.code() == grpc.StatusCode.NOT_FOUND)


async def sample(clients: Connections, identity: Identity, lab_number: str) -> intake_pb2.Sample:
    """A sample this user may see; 404 for unknown ones and for other requesters' ones alike."""
    try:
        found: intake_pb2.Sample = await clients.intake.GetSample(
            intake_pb2.GetSampleRequest(lab_number=lab_number)
        )
    except grpc.aio.AioRpcError as error:
        if _not_found(error):
            raise Missing(f"no sample {lab_number}") from None
        raise
    check_visible(identity, found)
    return found


def check_visible(identity: Identity, found: intake_pb2.Sample) -> None:
    """404 unless the user is staff or owns the sample."""
    if not may_see_sample(identity.username, identity.roles, found.requester):
        raise Missing(f"no sample {found.lab_number}")


async def _plan(clients: Connections, lab_number: str) -> testing_pb2.TestPlan | None:
    try:
        plan: testing_pb2.TestPlan = await clients.testing.GetTestPlan(
            testing_pb2.GetTestPlanRequest(lab_number=lab_number)
        )
    except grpc.aio.AioRpcError as error:
        if _not_found(error):  # no plan before receipt
            return None
        raise
    return plan


async def _signatures(clients: Connections, lab_number: str) -> list[common_pb2.Signature]:
    answer = await clients.review.ListSignatures(
        review_pb2.ListSignaturesRequest(lab_number=lab_number)
    )
    return list(answer.signatures)


async def certificate(
    clients: Connections, lab_number: str, *, include_pdf: bool = False
) -> reporting_pb2.Certificate | None:
    """The latest certificate of a sample, or None before one is issued."""
    try:
        found: reporting_pb2.Certificate = await clients.reporting.GetCertificate(
            reporting_pb2.GetCertificateRequest(lab_number=lab_number, include_pdf=include_pdf)
        )
    except grpc.aio.AioRpcError as error:
        if _not_found(error):
            return None
        raise
    return found


async def _none() -> None:
    return None


async def _no_signatures() -> list[common_pb2.Signature]:
    return []


def may_be_signed(status: LifecycleStatus) -> bool:
    """Whether a sample in this state can hold signatures or a certificate: both need a result
    first (a review signs a submitted result; approval and the certificate follow the reviews)."""
    return bool(status.report_number) or any(test.attempt > 0 for test in status.tests)


async def sample_detail(
    clients: Connections,
    identity: Identity,
    lab_number: str,
    *,
    after: LifecycleStatus | None = None,
) -> SampleDetail:
    """A sample with its tests, signatures, timeline and certificate, fetched concurrently.

    `after`: the workflow's answer to the step just taken; when it shows no result yet, the
    review and reporting services are not asked for signatures or a certificate."""
    signed = after is None or may_be_signed(after)
    found, plan, signatures, issued, investigations = await asyncio.gather(
        sample(clients, identity, lab_number),
        _plan(clients, lab_number),
        _signatures(clients, lab_number) if signed else _no_signatures(),
        certificate(clients, lab_number) if signed else _none(),
        _investigations(clients, lab_number) if signed else _no_investigations(),
    )
    reference = (
        convert.certificate_ref(issued, clients.settings.public_base_url) if issued else None
    )
    return convert.sample_detail(found, plan, signatures, reference, investigations)


async def _investigations(
    clients: Connections, lab_number: str
) -> list[investigation_pb2.Investigation]:
    answer = await clients.investigations.ListInvestigations(
        investigation_pb2.ListInvestigationsRequest(lab_number=lab_number)
    )
    return list(answer.investigations)


async def _no_investigations() -> list[investigation_pb2.Investigation]:
    return []


def test_lab_number(test_id: str) -> str:
    """The lab number of a test id; 404 if the id cannot be one."""
    lab_number = lab_number_of_test(test_id)
    if lab_number is None:
        raise Missing(f"no test {test_id}")
    return lab_number


async def test(clients: Connections, test_id: str) -> TestOut:
    """One test with its results; 404 if unknown."""
    try:
        found = await clients.testing.GetTest(testing_pb2.GetTestRequest(test_id=test_id))
    except grpc.aio.AioRpcError as error:
        if _not_found(error):
            raise Missing(f"no test {test_id}") from None
        raise
    return convert.test(found)


def _preview_problem(error: grpc.aio.AioRpcError) -> Problem:
    # The testing service names the field first ("values: expected 2 values, got 1",
    # "values[1]: 'x' is not a number"), which from_grpc turns into field errors; a refusal that
    # did not would still be about the values, the only input.
    problem = from_grpc(error)
    if problem.status == 422 and not problem.errors:
        problem.errors = [FieldError(field="values", message=problem.detail)]
    return problem


async def preview(clients: Connections, test_id: str, values: Sequence[str]) -> ResultPreviewOut:
    """What submitting `values` to a test would record (reportable value, verdict), computed by
    the testing service and recorded nowhere: the result form shows it before the analyst submits.

    Raises Missing (404) for an unknown test, Unprocessable (422, with field errors on "values"
    or "values[i]") for values a submission would refuse, and the Problem of any other failure."""
    test_lab_number(test_id)
    try:
        found = await clients.testing.PreviewResult(
            testing_pb2.PreviewResultRequest(test_id=test_id, values=list(values))
        )
    except grpc.aio.AioRpcError as error:
        if _not_found(error):
            raise Missing(f"no test {test_id}") from None
        raise _preview_problem(error) from None
    return ResultPreviewOut(
        test_id=found.test_id,
        values=list(found.values),
        reportable_value=found.reportable_value,
        unrounded_value=found.unrounded_value,
        conformity=enum_to_str(common_pb2.Conformity, found.conformity) or None,
        unit=found.unit,
        limits=found.criterion.display,
        warning=found.warning,
        below_loq=found.below_loq,
        replicate_values=list(found.replicate_values),
        formula=found.formula,
    )


async def test_after(clients: Connections, test_id: str, status: LifecycleStatus) -> TestOut:
    """The test a step just changed: as the step's answer carries it (testing returned it to
    the workflow's activity), or read again from testing when the answer has none."""
    found = None
    if status.test_proto:
        found = testing_pb2.Test.FromString(base64.b64decode(status.test_proto))
    elif status.test_json:  # a step answered by a history recorded before test_proto
        found = json_format.Parse(status.test_json, testing_pb2.Test(), ignore_unknown_fields=True)
    if found is not None and found.test_id == test_id:
        return convert.test(found)
    return await test(clients, test_id)
