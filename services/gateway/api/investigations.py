"""Out-of-specification investigations: the list, one record, and its two signed steps, sent
to the investigation's workflow as updates."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from google.protobuf import json_format
from temporalio.service import RPCError, RPCStatusCode

from lims.testing.v1 import investigation_pb2
from services.gateway import convert
from services.gateway.api.tests import require_analyst
from services.gateway.credentials import lockout_policy
from services.gateway.deps import Acting, AsInvestigator, AsQuality, AsStaff, Clients
from services.gateway.problems import Conflict, responses
from services.gateway.schemas import ConclusionIn, InvestigationOut, PhaseOneIn
from services.gateway.signatures import confirm_signer
from workflows.contracts import ConclusionInput, PhaseOneInput, investigation_workflow_id
from workflows.oos_investigation import OosInvestigation

router = APIRouter(tags=["investigations"])


@router.get("/investigations", responses=responses(401, 403, 422, 502, 503))
async def list_investigations(
    clients: Clients,
    _acting: AsStaff,
    lab_number: Annotated[str | None, Query(max_length=50)] = None,
    open_only: Annotated[
        bool, Query(alias="open", description="Only those not concluded.")
    ] = False,
) -> list[InvestigationOut]:
    """OOS investigations, oldest first: of one sample, or every open one for the quality home."""
    answer = await clients.investigations.ListInvestigations(
        investigation_pb2.ListInvestigationsRequest(
            lab_number=lab_number or "", open_only=open_only
        )
    )
    return [convert.investigation(message) for message in answer.investigations]


@router.get("/investigations/{investigation_id}", responses=responses(401, 403, 404, 502, 503))
async def get_investigation(
    investigation_id: str, clients: Clients, _acting: AsStaff
) -> InvestigationOut:
    """One investigation with its checklist, findings, escalations and checked signatures."""
    message = await clients.investigations.GetInvestigation(
        investigation_pb2.GetInvestigationRequest(investigation_id=investigation_id)
    )
    return convert.investigation(message)


_STEP_ERRORS = responses(401, 403, 404, 409, 422, 502, 503)


async def _sign(clients: Clients, acting: Acting, password: str, investigation_id: str) -> None:
    await confirm_signer(
        clients.db,
        clients.signers,
        acting.identity,
        password,
        role=acting.role,
        record_kind="oos_investigation",
        record_id=investigation_id,
        policy=lockout_policy(clients.settings),
    )


async def _update(
    clients: Clients, investigation_id: str, name: str, data: Any
) -> InvestigationOut:
    handle = clients.temporal.get_workflow_handle(investigation_workflow_id(investigation_id))
    try:
        answer = await handle.execute_update(name, data, result_type=dict)
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        # No running workflow: the investigation is concluded, or there is none by that id.
        ended = await clients.investigations.GetInvestigation(
            investigation_pb2.GetInvestigationRequest(investigation_id=investigation_id)
        )
        raise Conflict(
            f"investigation {investigation_id} is {ended.phase}; nothing more can be signed"
        ) from None
    record = json_format.Parse(
        answer["investigation_json"], investigation_pb2.Investigation(), ignore_unknown_fields=True
    )
    return convert.investigation(record)


@router.post("/investigations/{investigation_id}/phase-one", responses=_STEP_ERRORS)
async def record_phase_one(
    investigation_id: str, body: PhaseOneIn, clients: Clients, acting: AsInvestigator
) -> InvestigationOut:
    """The supervisor's signed Phase I finding (password again). With an assignable cause the
    result is invalidated (its values kept) and the retest goes to `retest_analyst`; without,
    Phase II opens."""
    if body.cause_found:
        await require_analyst(clients, "retest_analyst", body.retest_analyst)
    await _sign(clients, acting, body.password, investigation_id)
    data = PhaseOneInput(
        actor=acting.actor,
        checklist=body.checklist,
        cause_found=body.cause_found,
        summary=body.summary,
        retest_analyst=body.retest_analyst if body.cause_found else "",
        meaning=body.meaning,
    )
    return await _update(clients, investigation_id, _name(OosInvestigation.phase_one), data)


@router.post("/investigations/{investigation_id}/conclusion", responses=_STEP_ERRORS)
async def conclude(
    investigation_id: str, body: ConclusionIn, clients: Clients, acting: AsQuality
) -> InvestigationOut:
    """The quality manager's signed Phase II conclusion: the OOS is confirmed, or the result is
    invalidated and retested by another analyst."""
    if body.outcome == "invalidated":
        await require_analyst(clients, "retest_analyst", body.retest_analyst)
    await _sign(clients, acting, body.password, investigation_id)
    data = ConclusionInput(
        actor=acting.actor,
        outcome=body.outcome,
        summary=body.summary,
        retest_analyst=body.retest_analyst if body.outcome == "invalidated" else "",
        meaning=body.meaning,
    )
    return await _update(clients, investigation_id, _name(OosInvestigation.conclude), data)


def _name(update: Any) -> str:
    # Sent by name, answered as plain JSON: see lifecycle.update.
    return str(update._defn.name)
