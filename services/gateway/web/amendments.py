"""Amended certificates in the browser: the approver's form on the sample page, and the list of
every version. Same handlers as the REST API (services/gateway/api/amendments.py), so the
signature, the separation of duties and the audit are the same on both paths."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.amendment_schemas import AmendmentIn
from services.gateway.api import amendments as api
from services.gateway.deps import Clients, act_as
from services.gateway.domain import Role
from services.gateway.web.forms import _form, _sample_step
from services.gateway.web.session import WebUser

router = APIRouter(include_in_schema=False)


@router.post("/samples/{lab_number}/certificate/amendments")
async def amend(lab_number: str, request: Request, clients: Clients, identity: WebUser) -> Response:
    """The approver issues a corrected certificate (password again); back to the versions."""
    form = await _form(request)

    async def run(parsed: AmendmentIn) -> object:
        return await api.amend(lab_number, parsed, clients, act_as(identity, (Role.APPROVER,)))

    return await _sample_step(
        request,
        clients,
        identity,
        lab_number,
        run,
        done="amended",
        model=AmendmentIn,
        body={
            "reason": form.get("reason", ""),
            "password": form.get("password", ""),
            "replaces": form.get("replaces") or None,
        },
        # The password is never sent back into the page.
        shown={"reason": form.get("reason", "")},
        form_id="certificate",
    )
