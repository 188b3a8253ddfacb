"""Tests: the worklist, and the human steps on a test (assignment, results, review)."""

from typing import Annotated

from fastapi import APIRouter, Query

from kernel.proto_enums import str_to_enum
from lims.testing.v1 import testing_pb2
from services.gateway import convert, lifecycle, reads, service
from services.gateway.clients import Connections
from services.gateway.credentials import lockout_policy
from services.gateway.deps import AsAnalyst, AsReviewer, AsStaff, Clients
from services.gateway.domain import Role
from services.gateway.problems import FieldError, Unprocessable, responses
from services.gateway.schemas import (
    AssignmentIn,
    ResultIn,
    ResultPreviewOut,
    ReviewIn,
    TestOut,
    TestPage,
    TestStatusName,
)
from services.gateway.signatures import confirm_signer
from workflows.contracts import AssignmentInput, ResultInput, ReviewInput
from workflows.sample_lifecycle import SampleLifecycle

router = APIRouter(tags=["tests"])


@router.get("/tests", responses=responses(401, 403, 422, 502, 503))
async def list_tests(
    clients: Clients,
    acting: AsStaff,
    assignee: Annotated[
        str | None, Query(max_length=100, description='An analyst\'s login, or "me".')
    ] = None,
    status: Annotated[list[TestStatusName] | None, Query(description="Repeatable.")] = None,
    lab_number: Annotated[str | None, Query(max_length=50)] = None,
    page: Annotated[int, Query(ge=1, description="1-based.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TestPage:
    """The worklist: tests across samples, oldest lab number first."""
    analyst = acting.username if assignee == "me" else (assignee or "")
    answer = await clients.testing.ListTests(
        testing_pb2.ListTestsRequest(
            analyst=analyst,
            statuses=[str_to_enum(testing_pb2.TestStatus, s) for s in status or []],
            lab_number=lab_number or "",
            page_size=page_size,
            offset=(page - 1) * page_size,
        )
    )
    return TestPage(
        items=[convert.test(test) for test in answer.tests],
        total=answer.total,
        page=page,
        page_size=page_size,
    )


@router.get("/tests/{test_id}", responses=responses(401, 403, 404, 502, 503))
async def get_test(test_id: str, clients: Clients, _acting: AsStaff) -> TestOut:
    """One test with every result submitted for it."""
    reads.test_lab_number(test_id)
    return await reads.test(clients, test_id)


async def require_analyst(clients: Clients, field: str, username: str) -> None:
    """Refuses (422 on `field`) a login that is not an active analyst's."""
    analyst = await clients.db.read_call(service.find_account, username)
    if analyst is None or not analyst.active or Role.ANALYST not in analyst.roles:
        message = f"{username!r} is not an active user with the role 'analyst'"
        raise Unprocessable(
            f"{field}: {message}", errors=[FieldError(field=field, message=message)]
        )


_ACTION_ERRORS = responses(401, 403, 404, 409, 422, 502, 503)


@router.post("/tests/{test_id}/assignment", responses=_ACTION_ERRORS)
async def assign(test_id: str, body: AssignmentIn, clients: Clients, acting: AsReviewer) -> TestOut:
    """Assigns a test (or reassigns it before a result) to an active analyst qualified for its
    technique, with an instrument and lots that gating allows today; 409 says why not."""
    lab_number = reads.test_lab_number(test_id)
    await require_analyst(clients, "analyst", body.analyst)
    data = AssignmentInput(
        actor=acting.actor,
        test_id=test_id,
        analyst=body.analyst,
        instrument=body.instrument,
        reference_standard_lots=list(body.reference_standard_lots),
        reagent_lots=list(body.reagent_lots),
    )
    status = await lifecycle.update(clients, lab_number, acting.actor, SampleLifecycle.assign, data)
    return await reads.test_after(clients, test_id, status)


async def raw_values(clients: Connections, test_id: str, body: ResultIn) -> list[str]:
    """The raw values as the testing service takes them: `values` as sent, or a formula test's
    `inputs` laid out replicate after replicate in the order of the test's inputs."""
    if body.inputs is None:
        return list(body.values)
    found = await reads.test(clients, test_id)
    names = [i.name for i in found.inputs]
    if not names:
        message = "this test has no formula: send its values"
        raise Unprocessable(
            f"inputs: {message}", errors=[FieldError(field="inputs", message=message)]
        )
    errors: list[FieldError] = []
    values: list[str] = []
    for index, named in enumerate(body.inputs):
        for name in sorted(set(named) - set(names)):
            message = f"unknown input {name!r} (the inputs are {', '.join(names)})"
            errors.append(FieldError(field=f"inputs[{index}].{name}", message=message))
        for name in names:
            if name not in named:
                errors.append(FieldError(field=f"inputs[{index}].{name}", message="required"))
            values.append(named.get(name, ""))
    if errors:
        listing = "; ".join(f"{e.field}: {e.message}" for e in errors)
        raise Unprocessable(listing, errors=errors)
    return values


@router.post("/tests/{test_id}/results", responses=_ACTION_ERRORS)
async def submit_result(
    test_id: str, body: ResultIn, clients: Clients, acting: AsAnalyst
) -> TestOut:
    """The assigned analyst's raw values; the answer has the reportable value and conformity."""
    lab_number = reads.test_lab_number(test_id)
    values = await raw_values(clients, test_id, body)
    data = ResultInput(
        actor=acting.actor,
        test_id=test_id,
        values=values,
        remarks=body.remarks,
        instrument=body.instrument,
        reference_standard_lots=list(body.reference_standard_lots),
        reagent_lots=list(body.reagent_lots),
    )
    status = await lifecycle.update(
        clients, lab_number, acting.actor, SampleLifecycle.submit_result, data
    )
    return await reads.test_after(clients, test_id, status)


@router.post("/tests/{test_id}/preview", responses=responses(401, 403, 404, 422, 502, 503))
async def preview_result(
    test_id: str, body: ResultIn, clients: Clients, _acting: AsStaff
) -> ResultPreviewOut:
    """The reportable value and conformity that these raw values would give; records nothing.

    Takes the body of `POST /tests/{test_id}/results` (remarks are ignored)."""
    reads.test_lab_number(test_id)
    return await reads.preview(clients, test_id, await raw_values(clients, test_id, body))


@router.post("/tests/{test_id}/review", responses=_ACTION_ERRORS)
async def review(test_id: str, body: ReviewIn, clients: Clients, acting: AsReviewer) -> TestOut:
    """The reviewer's signed decision (password again): accept, or send back with a reason."""
    lab_number = reads.test_lab_number(test_id)
    if body.decision == "send_back" and not body.reason:
        message = "required when sending a result back"
        raise Unprocessable(
            f"reason: {message}", errors=[FieldError(field="reason", message=message)]
        )
    await confirm_signer(
        clients.db,
        clients.signers,
        acting.identity,
        body.password,
        role=acting.role,
        record_kind="test_review",
        record_id=test_id,
        policy=lockout_policy(clients.settings),
    )
    data = ReviewInput(
        actor=acting.actor,
        test_id=test_id,
        accepted=body.decision == "accept",
        reason=body.reason,
    )
    status = await lifecycle.update(clients, lab_number, acting.actor, SampleLifecycle.review, data)
    return await reads.test_after(clients, test_id, status)
