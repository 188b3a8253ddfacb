"""Printing labels from the web UI: the sample page's "Print labels" link opens the PDF in the
browser, which prints it on the label printer. The REST API's handler does the work, so the
rules (staff only, the sample must exist and be visible) are the same."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.gateway.api import samples
from services.gateway.deps import Clients, act_as
from services.gateway.domain import STAFF
from services.gateway.web.session import WebUser

router = APIRouter(include_in_schema=False)


@router.get("/samples/{lab_number}/labels.pdf")
async def labels(
    lab_number: str,
    clients: Clients,
    identity: WebUser,
    aliquots: Annotated[int, Query(ge=0, le=samples.MAX_ALIQUOTS)] = 2,
) -> Response:
    """The labels of a sample and its aliquots (PDF), for staff."""
    return await samples.print_labels(
        lab_number, clients, act_as(identity, STAFF), aliquots=aliquots
    )
