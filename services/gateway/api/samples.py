"""Samples: lists, detail, and the human steps on a sample (receipt, hold, approval, ...)."""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from kernel.proto_enums import str_to_enum
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.reporting.v1 import reporting_pb2
from services.gateway import convert, lifecycle, reads
from services.gateway.api import amendments
from services.gateway.credentials import lockout_policy
from services.gateway.deps import (
    AsApprover,
    AsCanceller,
    AsReception,
    AsStaff,
    AsSupervisor,
    Clients,
    CurrentUser,
)
from services.gateway.domain import is_staff
from services.gateway.problems import FieldError, Missing, Unprocessable, responses
from services.gateway.schemas import (
    ApprovalIn,
    Purpose,
    ReasonIn,
    ReceiptIn,
    SampleDetail,
    SamplePage,
    SampleStatusName,
    decimal_text,
)
from services.gateway.signatures import confirm_signer
from workflows.contracts import ApprovalInput, HoldInput, ReceiptInput
from workflows.sample_lifecycle import SampleLifecycle

router = APIRouter(tags=["samples"])


@router.get("/samples", responses=responses(401, 422, 502, 503))
async def list_samples(
    clients: Clients,
    identity: CurrentUser,
    status: Annotated[list[SampleStatusName] | None, Query(description="Repeatable.")] = None,
    purpose: Purpose | None = None,
    overdue: Annotated[bool, Query(description="Only samples past their due time.")] = False,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in lab number, product, batch.")
    ] = None,
    page: Annotated[int, Query(ge=1, description="1-based.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    sort: Annotated[
        Literal["newest", "oldest", "due", "product"],
        Query(description="due: soonest SLA due first; product: name A-Z, then newest."),
    ] = "newest",
) -> SamplePage:
    """Samples, newest first unless sorted otherwise; a requester sees only their own."""
    answer = await clients.intake.ListSamples(
        intake_pb2.ListSamplesRequest(
            statuses=[str_to_enum(common_pb2.SampleStatus, s) for s in status or []],
            purpose=str_to_enum(common_pb2.Purpose, purpose or ""),
            overdue=overdue,
            text=(q or "").strip(),
            requester="" if is_staff(identity.roles) else identity.username,
            page_size=page_size,
            offset=(page - 1) * page_size,
            sort=str_to_enum(intake_pb2.SampleSort, sort),
        )
    )
    return SamplePage(
        items=[convert.sample_summary(sample) for sample in answer.samples],
        total=answer.total,
        page=page,
        page_size=page_size,
    )


@router.get("/samples/{lab_number}", responses=responses(401, 404, 502, 503))
async def get_sample(lab_number: str, clients: Clients, identity: CurrentUser) -> SampleDetail:
    """A sample with its SLA, tests, signatures, timeline and certificate."""
    return await reads.sample_detail(clients, identity, lab_number)


_ACTION_ERRORS = responses(401, 403, 404, 409, 422, 502, 503)


@router.post("/samples/{lab_number}/receipt", responses=_ACTION_ERRORS)
async def receive(
    lab_number: str, body: ReceiptIn, clients: Clients, acting: AsReception
) -> SampleDetail:
    """The receipt check and its checklist: accepted (the clock starts, tests are planned) or
    rejected. 422 when a cold-chain sample has no temperature on arrival, or when fewer units
    than required arrived and accept_insufficient_quantity (with a reason) was not given."""
    errors = []
    if body.accepted and body.quantity_received is None:
        errors.append(FieldError(field="quantity_received", message="required when accepted"))
    if body.accepted and body.accept_insufficient_quantity and not body.reason:
        errors.append(
            FieldError(field="reason", message="required to accept an insufficient quantity")
        )
    if not body.accepted and not body.reason:
        errors.append(FieldError(field="reason", message="required when rejected"))
    if errors:
        raise Unprocessable("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    data = ReceiptInput(
        actor=acting.actor,
        accepted=body.accepted,
        condition=body.condition,
        quantity_received=decimal_text(body.quantity_received) if body.quantity_received else "",
        reason=body.reason or "",
        seals_intact=body.seals_intact,
        labelling_legible=body.labelling_legible,
        temperature_on_arrival=(
            decimal_text(body.temperature_on_arrival)
            if body.temperature_on_arrival is not None
            else ""
        ),
        accept_insufficient_quantity=body.accept_insufficient_quantity,
    )
    status = await lifecycle.update(
        clients, lab_number, acting.actor, SampleLifecycle.receive, data
    )
    return await reads.sample_detail(clients, acting.identity, lab_number, after=status)


@router.post("/samples/{lab_number}/hold", responses=_ACTION_ERRORS)
async def hold(
    lab_number: str, body: ReasonIn, clients: Clients, acting: AsSupervisor
) -> SampleDetail:
    """Puts a sample on hold: the turnaround clock stops."""
    data = HoldInput(actor=acting.actor, reason=body.reason)
    status = await lifecycle.update(clients, lab_number, acting.actor, SampleLifecycle.hold, data)
    return await reads.sample_detail(clients, acting.identity, lab_number, after=status)


@router.post("/samples/{lab_number}/resume", responses=_ACTION_ERRORS)
async def resume(
    lab_number: str, body: ReasonIn, clients: Clients, acting: AsSupervisor
) -> SampleDetail:
    """Takes a sample off hold, back to where it was; the clock runs again."""
    data = HoldInput(actor=acting.actor, reason=body.reason)
    status = await lifecycle.update(clients, lab_number, acting.actor, SampleLifecycle.resume, data)
    return await reads.sample_detail(clients, acting.identity, lab_number, after=status)


@router.post("/samples/{lab_number}/cancel", responses=_ACTION_ERRORS)
async def cancel(
    lab_number: str, body: ReasonIn, clients: Clients, acting: AsCanceller
) -> SampleDetail:
    """Cancels a sample: its lifecycle ends."""
    data = HoldInput(actor=acting.actor, reason=body.reason)
    status = await lifecycle.update(clients, lab_number, acting.actor, SampleLifecycle.cancel, data)
    return await reads.sample_detail(clients, acting.identity, lab_number, after=status)


@router.post("/samples/{lab_number}/approval", responses=_ACTION_ERRORS)
async def approve(
    lab_number: str, body: ApprovalIn, clients: Clients, acting: AsApprover
) -> SampleDetail:
    """The approver signs (password again) and the certificate of analysis is issued."""
    await confirm_signer(
        clients.db,
        clients.signers,
        acting.identity,
        body.password,
        role=acting.role,
        record_kind="sample_approval",
        record_id=lab_number,
        policy=lockout_policy(clients.settings),
    )
    data = ApprovalInput(actor=acting.actor)
    status = await lifecycle.update(
        clients, lab_number, acting.actor, SampleLifecycle.approve, data
    )
    return await reads.sample_detail(clients, acting.identity, lab_number, after=status)


@router.get(
    "/samples/{lab_number}/certificate",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The certificate (PDF)."},
        **responses(401, 404, 502, 503),
    },
)
async def download_certificate(
    lab_number: str,
    clients: Clients,
    identity: CurrentUser,
    version: Annotated[
        int | None, Query(ge=1, description="A given version (default: the current one).")
    ] = None,
) -> Response:
    """The certificate of analysis (PDF), for its requester and for staff; a superseded
    version is served unchanged, with the `X-Superseded-By` header naming its replacement."""
    if version is not None:
        return await amendments.version_pdf(clients, identity, lab_number, version)
    found, issued = await asyncio.gather(
        reads.sample(clients, identity, lab_number),
        reads.certificate(clients, lab_number, include_pdf=True),
    )
    if issued is None or not issued.pdf:
        raise Missing(f"sample {found.lab_number} has no certificate yet")
    return Response(
        content=issued.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{issued.report_number}.pdf"'},
    )


# The reporting service renders at most this many aliquot labels per sample (RenderLabelsRequest).
MAX_ALIQUOTS = 50


@router.get(
    "/samples/{lab_number}/labels.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The labels (PDF)."},
        **responses(401, 403, 404, 422, 502, 503),
    },
)
async def print_labels(
    lab_number: str,
    clients: Clients,
    acting: AsStaff,
    aliquots: Annotated[
        int, Query(ge=0, le=MAX_ALIQUOTS, description="Aliquot labels after the sample's.")
    ] = 2,
) -> Response:
    """Printable labels (PDF, one 62 x 40 mm label a page) of a sample and of each aliquot, each
    with its code as text, Code 128 and QR; aliquot codes are `<lab number>-A<n>`."""
    found = await reads.sample(clients, acting.identity, lab_number)
    sheet = await clients.reporting.RenderLabels(
        reporting_pb2.RenderLabelsRequest(
            lab_number=found.lab_number,
            product_name=found.product_name,
            batch_number=found.batch_number,
            expiry_date=found.expiry_date,
            aliquots=aliquots,
            actor=common_pb2.Actor(
                username=acting.username, full_name=acting.identity.full_name, role=acting.role
            ),
        )
    )
    return Response(
        content=sheet.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{found.lab_number}-labels.pdf"'},
    )
