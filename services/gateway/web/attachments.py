"""Files attached to a result, in the browser: the upload form of the sample page and the
download link. Same handlers as the REST API (services/gateway/api/resources.py), so the rules
(who, when, which types, how big) and the audit entry are the same."""

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile as FormFile

from services.gateway import reads
from services.gateway.api import resources as api
from services.gateway.deps import Clients, act_as
from services.gateway.domain import STAFF
from services.gateway.problems import FieldError, Missing, Unprocessable
from services.gateway.web.pages import sample_context
from services.gateway.web.render import Refusal, attempt, language, page, problem_page
from services.gateway.web.session import WebUser, check_csrf

router = APIRouter(include_in_schema=False)

NO_FILE = "choose a file to attach"


@router.post("/tests/{test_id}/attachments")
async def attach(test_id: str, request: Request, clients: Clients, identity: WebUser) -> Response:
    """Attaches the chosen file to the test's result; back to the test, or the refusal next to
    the file field."""
    lab_number = reads.test_lab_number(test_id)
    await check_csrf(request, clients, identity)
    acting = act_as(identity, api.ATTACHERS)
    form = await request.form()
    chosen = form.get("file")
    if isinstance(chosen, FormFile) and chosen.filename:
        # The REST handler takes FastAPI's UploadFile: the same upload, seen through it.
        upload = UploadFile(
            chosen.file, size=chosen.size, filename=chosen.filename, headers=chosen.headers
        )
        _, problem = await attempt(api.add_attachment(test_id, clients, acting, upload))
    else:
        problem = Unprocessable(
            f"file: {NO_FILE}", errors=[FieldError(field="file", message=NO_FILE)]
        )
    form_id = f"test-{test_id}"
    if problem is None:
        return RedirectResponse(f"/samples/{lab_number}?done=attached#{form_id}", status_code=303)
    context, refused = await attempt(sample_context(clients, identity, lab_number))
    if context is None:
        problem = refused or Missing(f"no sample {lab_number}")
        return problem_page(request, clients, problem, identity=identity, lab_number=lab_number)
    refusal = Refusal(problem, language(request, clients))
    context.update({"done": "", "refusal": refusal, "form": {}, "form_id": form_id})
    return page(request, clients, "sample.html", context, identity=identity, status=problem.status)


@router.get("/tests/{test_id}/attachments/{attachment_id}")
async def download(
    test_id: str, attachment_id: int, clients: Clients, identity: WebUser
) -> Response:
    """The attached file as it was uploaded, for staff signed in to the web UI."""
    return await api.download_attachment(test_id, attachment_id, clients, act_as(identity, STAFF))
