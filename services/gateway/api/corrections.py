"""Corrections of a sample's details (what its certificate prints), with a reason, audited in
intake. After release, the approver then amends the certificate (api/amendments.py)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from lims.common.v1 import common_pb2
from lims.intake.v1 import corrections_pb2
from services.gateway import reads
from services.gateway.amendment_schemas import SampleDetailsPatch
from services.gateway.deps import Acting, Clients, acting_as
from services.gateway.domain import Role
from services.gateway.problems import responses
from services.gateway.schemas import SampleDetail

router = APIRouter(tags=["samples"])

# Reception registered the details; the approver and quality answer for what is certified.
CORRECTORS = (Role.RECEPTION, Role.APPROVER, Role.QUALITY)
AsCorrector = Annotated[Acting, Depends(acting_as(*CORRECTORS))]


@router.patch(
    "/samples/{lab_number}/details", responses=responses(401, 403, 404, 409, 422, 502, 503)
)
async def correct_details(
    lab_number: str, body: SampleDetailsPatch, clients: Clients, acting: AsCorrector
) -> SampleDetail:
    """Corrects some of a sample's details (the fields given; "" clears one) with the reason;
    intake audits the old and new value of each. Refused for rejected or cancelled samples."""
    found = await reads.sample(clients, acting.identity, lab_number)
    given = body.model_dump(exclude={"reason"}, exclude_none=True)
    await clients.sample_corrections.CorrectSampleDetails(
        corrections_pb2.CorrectSampleDetailsRequest(
            lab_number=found.lab_number,
            details=corrections_pb2.SampleDetailsCorrection(**given),
            reason=body.reason,
            actor=common_pb2.Actor(
                username=acting.username, full_name=acting.identity.full_name, role=acting.role
            ),
        )
    )
    return await reads.sample_detail(clients, acting.identity, found.lab_number)
