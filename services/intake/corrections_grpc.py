"""The SampleCorrections servicer: proto <-> the correction use case, one transaction a call."""

from typing import Any

from sqlalchemy.orm import Session

from kernel.db import Database
from lims.intake.v1 import corrections_pb2, corrections_pb2_grpc, intake_pb2
from services.intake.correction_service import correct_sample_details
from services.intake.grpc_server import sample_to_proto
from services.intake.wire import who


def _correct(
    session: Session, request: corrections_pb2.CorrectSampleDetailsRequest
) -> intake_pb2.Sample:
    # Every field is `optional`: a field set to "" (clear it) is listed, an unset one is not.
    asked = {field.name: str(value) for field, value in request.details.ListFields()}
    sample = correct_sample_details(
        session, request.lab_number, asked, reason=request.reason, who=who(request.actor)
    )
    return sample_to_proto(sample, timeline=True)


class SampleCorrectionsServicer(corrections_pb2_grpc.SampleCorrectionsServicer):
    """Corrects a sample's details, audited."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def CorrectSampleDetails(
        self, request: corrections_pb2.CorrectSampleDetailsRequest, context: Any
    ) -> intake_pb2.Sample:
        """Corrects the fields set in `details`, with the reason."""
        return await self._db.write_call(_correct, request)
