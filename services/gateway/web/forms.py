"""The forms of the web UI (POST): sign-in and out, and every step of a sample's lifecycle.

Each step builds the REST API's request body from the form and calls the REST API's handler, so
the rules (roles, separation of duties, states, validation, e-signatures, audit) are the same;
success redirects to the sample (post/redirect/get), a refusal shows the page again with the
messages in the user's language next to their fields."""

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from services.gateway import reads
from services.gateway.api import products, requests, samples, tests
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.credentials import AccountLocked, sign_in
from services.gateway.deps import CANCELLERS, REQUEST_LOGGERS, SUPERVISORS, Clients, act_as
from services.gateway.domain import Role, lab_number_of_test
from services.gateway.problems import Missing, Problem, Unauthenticated
from services.gateway.schemas import (
    ApprovalIn,
    AssignmentIn,
    ReasonIn,
    ReceiptIn,
    RequestIn,
    ResultIn,
    ReviewIn,
)
from services.gateway.web.pages import PURPOSES, sample_context
from services.gateway.web.render import Refusal, attempt, invalid, language, page, problem_page
from services.gateway.web.session import (
    SESSION_COOKIE,
    WebUser,
    check_csrf,
    safe_next,
    session_identity,
)

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

Body = dict[str, Any]
Model = TypeVar("Model", bound=BaseModel)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _parse(model: type[BaseModel], data: Body) -> tuple[Any, Problem | None]:
    try:
        return model.model_validate(data), None
    except ValidationError as error:
        return None, invalid(error)


# --- signing in and out ------------------------------------------------------------------------


@router.post("/login")
async def login(request: Request, clients: Clients) -> Response:
    """Checks the password (argon2, with the lockout of credentials.sign_in) and opens a
    session cookie."""
    form = await _form(request)
    username, password = form.get("username", "").strip(), form.get("password", "")
    next_path = safe_next(form.get("next"))
    try:
        user = await sign_in(clients.db, clients.settings, username, password, channel="web")
    except Unauthenticated as refused:
        lang = language(request, clients)
        error = lang.gettext("Wrong login name or password.")
        if isinstance(refused, AccountLocked):
            error = lang.gettext(
                "Too many failed attempts: this account is locked until %(until)s. "
                "Try again then, or ask an administrator to unlock it.",
                until=lang.datetime(refused.until),
            )
        context = {"next": next_path, "expired": False, "error": error, "username": username}
        return page(request, clients, "login.html", context, identity=None, status=401)
    ttl = timedelta(minutes=clients.settings.web_session_minutes)
    token, _ = clients.tokens.issue(
        username=user.username, full_name=user.full_name, roles=user.roles, ttl=ttl
    )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=clients.settings.public_base_url.startswith("https://"),
    )
    return response


@router.post("/logout")
async def logout(request: Request, clients: Clients) -> Response:
    """Closes the session (the cookie is dropped) and goes back to the sign-in page."""
    identity = session_identity(request, clients)
    if identity is not None:
        await check_csrf(request, clients, identity)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- the lifecycle -------------------------------------------------------------------------------


async def _sample_step(
    request: Request,
    clients: Connections,
    identity: Identity,
    lab_number: str,
    run: Callable[[Model], Awaitable[object]],
    *,
    done: str,
    model: type[Model],
    body: Body,
    shown: Body | None = None,
    form_id: str,
) -> Response:
    """Runs a step; redirects to the sample when done, or shows it again with the refusal and
    what was typed (`shown`, the body by default)."""
    await check_csrf(request, clients, identity)
    parsed, problem = _parse(model, body)
    if problem is None:
        _, problem = await attempt(run(parsed))
    if problem is None:
        return RedirectResponse(f"/samples/{lab_number}?done={done}#{form_id}", status_code=303)
    context, refused = await attempt(sample_context(clients, identity, lab_number))
    if context is None:
        problem = refused or Missing(f"no sample {lab_number}")
        return problem_page(request, clients, problem, identity=identity, lab_number=lab_number)
    lang = language(request, clients)
    context.update(
        {
            "done": "",
            "refusal": Refusal(problem, lang),
            "form": body if shown is None else shown,
            "form_id": form_id,
        }
    )
    return page(request, clients, "sample.html", context, identity=identity, status=problem.status)


def _decimal(text: str) -> str:
    """A number typed the French way ("99,5") as the API expects it ("99.5")."""
    text = text.strip().replace("\u202f", "").replace(" ", "")
    return text.replace(",", ".") if re.fullmatch(r"-?\d+,\d+", text) else text


@router.post("/samples/{lab_number}/receipt")
async def receive(
    lab_number: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Reception's check: accept with condition and quantity, or reject with a reason; with the
    checklist (unchecked boxes record a failed check) and the temperature on arrival."""
    form = await _form(request)
    accepted = form.get("decision") == "accept"
    body: Body = {
        "accepted": accepted,
        "condition": form.get("condition", ""),
        # A form without the checklist (an older page, a script) records no failure.
        "seals_intact": form.get("seals_intact") == "yes" or "checklist" not in form,
        "labelling_legible": form.get("labelling_legible") == "yes" or "checklist" not in form,
        "temperature_on_arrival": _decimal(form.get("temperature_on_arrival", "")) or None,
        "reason": form.get("reason", "").strip() or None,
    }
    if accepted:
        body["quantity_received"] = _decimal(form.get("quantity_received", "")) or None
        body["accept_insufficient_quantity"] = form.get("accept_insufficient_quantity") == "yes"

    async def run(parsed: ReceiptIn) -> object:
        return await samples.receive(
            lab_number, parsed, clients, act_as(identity, (Role.RECEPTION,))
        )

    return await _sample_step(
        request,
        clients,
        identity,
        lab_number,
        run,
        done="receipt",
        model=ReceiptIn,
        body=body,
        shown=form,
        form_id="receipt",
    )


@router.post("/tests/{test_id}/assignment")
async def assign(test_id: str, request: Request, clients: Clients, identity: WebUser) -> Response:
    """Assigns a test to an analyst."""
    form = await _form(request)
    lists = await request.form()
    lab_number = _lab_of(test_id)
    body = {
        "analyst": form.get("analyst", ""),
        "instrument": form.get("instrument", ""),
        "reference_standard_lots": [v for v in lists.getlist("reference_standard_lots") if v],
        "reagent_lots": [v for v in lists.getlist("reagent_lots") if v],
    }

    async def run(parsed: AssignmentIn) -> object:
        return await tests.assign(test_id, parsed, clients, act_as(identity, (Role.REVIEWER,)))

    return await _sample_step(
        request,
        clients,
        identity,
        lab_number,
        run,
        done="assigned",
        model=AssignmentIn,
        body=body,
        form_id=f"test-{test_id}",
    )


def _values(form: dict[str, str]) -> list[str]:
    keys = sorted((k for k in form if k.startswith("value-")), key=lambda k: int(k[6:] or 0))
    return [_decimal(form[k]) for k in keys if form[k].strip()]


@router.post("/tests/{test_id}/results")
async def submit_result(
    test_id: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """The analyst's raw values (the reportable value and verdict are computed by testing)."""
    form = await _form(request)
    lab_number = _lab_of(test_id)

    async def run(parsed: ResultIn) -> object:
        return await tests.submit_result(
            test_id, parsed, clients, act_as(identity, (Role.ANALYST,))
        )

    body = {"values": _values(form), "remarks": form.get("remarks", "")}
    return await _sample_step(
        request,
        clients,
        identity,
        lab_number,
        run,
        done="result",
        model=ResultIn,
        body=body,
        form_id=f"test-{test_id}",
    )


@router.post("/tests/{test_id}/preview")
async def preview_result(
    test_id: str, request: Request, clients: Clients, identity: WebUser
) -> HTMLResponse:
    """The reportable value and verdict of the values typed so far (htmx, nothing recorded)."""
    await check_csrf(request, clients, identity)
    form = await _form(request)
    values = _values(form)
    preview, problem = None, None
    if values:
        act_as(identity, (Role.ANALYST,))
        preview, problem = await attempt(reads.preview(clients, test_id, values))
    lang = language(request, clients)
    context = {
        "preview": preview,
        "refusal": Refusal(problem, lang) if problem else None,
        "test_id": test_id,
    }
    return page(request, clients, "partials/preview.html", context, identity=identity)


@router.post("/tests/{test_id}/review")
async def review(test_id: str, request: Request, clients: Clients, identity: WebUser) -> Response:
    """The reviewer's signed decision (password again)."""
    form = await _form(request)
    lab_number = _lab_of(test_id)
    body = {
        "decision": form.get("decision", ""),
        "reason": form.get("reason", ""),
        "password": form.get("password", ""),
    }

    async def run(parsed: ReviewIn) -> object:
        return await tests.review(test_id, parsed, clients, act_as(identity, (Role.REVIEWER,)))

    return await _sample_step(
        request,
        clients,
        identity,
        lab_number,
        run,
        done="reviewed",
        model=ReviewIn,
        body=body,
        form_id=f"test-{test_id}",
    )


async def _supervise(
    step: str, lab_number: str, request: Request, clients: Connections, identity: Identity
) -> Response:
    """Hold (the clock stops), resume, or cancel a sample: always with a reason."""
    handler, allowed = {
        "hold": (samples.hold, SUPERVISORS),
        "resume": (samples.resume, SUPERVISORS),
        "cancel": (samples.cancel, CANCELLERS),
    }[step]
    form = await _form(request)

    async def run(parsed: ReasonIn) -> object:
        return await handler(lab_number, parsed, clients, act_as(identity, allowed))

    return await _sample_step(
        request,
        clients,
        identity,
        lab_number,
        run,
        done=step,
        model=ReasonIn,
        body={"reason": form.get("reason", "")},
        form_id="supervision",
    )


@router.post("/samples/{lab_number}/hold")
async def hold(lab_number: str, request: Request, clients: Clients, identity: WebUser) -> Response:
    """Puts the sample on hold: the turnaround clock stops."""
    return await _supervise("hold", lab_number, request, clients, identity)


@router.post("/samples/{lab_number}/resume")
async def resume(
    lab_number: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Takes the sample off hold; the clock runs again."""
    return await _supervise("resume", lab_number, request, clients, identity)


@router.post("/samples/{lab_number}/cancel")
async def cancel(
    lab_number: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Cancels the sample: its lifecycle ends."""
    return await _supervise("cancel", lab_number, request, clients, identity)


@router.post("/samples/{lab_number}/approval")
async def approve(
    lab_number: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """The approver's signature; the certificate is issued."""
    form = await _form(request)

    async def run(parsed: ApprovalIn) -> object:
        return await samples.approve(
            lab_number, parsed, clients, act_as(identity, (Role.APPROVER,))
        )

    return await _sample_step(
        request,
        clients,
        identity,
        lab_number,
        run,
        done="approved",
        model=ApprovalIn,
        body={"password": form.get("password", "")},
        form_id="approval",
    )


@router.get("/samples/{lab_number}/certificate")
async def certificate(
    lab_number: str,
    clients: Clients,
    identity: WebUser,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The certificate PDF (the current version, or the one asked for), for whoever may see
    the sample."""
    return await samples.download_certificate(lab_number, clients, identity, version)


def _lab_of(test_id: str) -> str:
    lab_number = lab_number_of_test(test_id)
    if lab_number is None:
        raise Missing(f"no test {test_id}")
    return lab_number


# --- a new request -------------------------------------------------------------------------------

_SAMPLE_FIELD = re.compile(r"^samples-(\d+)-(\w+)$")


def _request_body(form: dict[str, str]) -> Body:
    rows: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        match = _SAMPLE_FIELD.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = value.strip()
    samples_in = []
    for index in sorted(rows):
        row = rows[index]
        if not any(row.values()):
            continue  # an empty row left in the form
        row["quantity"] = _decimal(row.get("quantity", ""))
        for day in ("manufacture_date", "expiry_date"):
            if not row.get(day):
                row.pop(day, None)
        samples_in.append(row)
    body: Body = {
        "purpose": form.get("purpose", ""),
        "priority": form.get("priority", "routine"),
        "requester_organisation": form.get("requester_organisation", ""),
        "external_reference": form.get("external_reference", ""),
        "contact_name": form.get("contact_name", ""),
        "contact_email": form.get("contact_email", ""),
        "contact_phone": form.get("contact_phone", ""),
        "samples": samples_in,
    }
    return body


@router.post("/requests")
async def create_request(request: Request, clients: Clients, identity: WebUser) -> Response:
    """Registers the request; its first sample opens (several: the sample list of the request)."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, REQUEST_LOGGERS)
    form = await _form(request)
    body = _request_body(form)
    parsed, problem = _parse(RequestIn, body)
    created = None
    if problem is None:
        key = form.get("form_key") or uuid.uuid4().hex
        created, problem = await attempt(
            requests.create_request(parsed, clients, acting, idempotency_key=key)
        )
    if created is not None and problem is None:
        if len(created.samples) == 1:
            lab_number = created.samples[0].lab_number
            return RedirectResponse(f"/samples/{lab_number}?done=registered", status_code=303)
        # Several samples: their lab numbers, to label them. The form's key makes a reload or a
        # second click answer the same request instead of registering it twice.
        return page(request, clients, "request_done.html", {"created": created}, identity=identity)
    lang = language(request, clients)
    assert problem is not None
    rows = max(1, len(body["samples"]))
    context = {
        "products": await products.list_products(clients, identity),
        "rows": rows,
        "form": form,
        "refusal": Refusal(problem, lang),
        "purposes": PURPOSES,
    }
    return page(
        request, clients, "request_new.html", context, identity=identity, status=problem.status
    )
