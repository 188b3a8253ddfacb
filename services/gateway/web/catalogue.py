"""The catalogue in the browser: methods, products and their specification versions (staff read,
the admin changes them, each change with a reason), and a version imported from a spreadsheet.
The REST API's handlers do the work, so the pages and the API refuse the same things."""

import re
from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from services.gateway import problems, spec_import
from services.gateway.api import catalogue as api
from services.gateway.api import products as products_api
from services.gateway.auth import Identity
from services.gateway.catalogue_schemas import (
    CalculationName,
    CriterionKindName,
    MethodIn,
    MethodPatch,
    ProductIn,
    SpecificationIn,
    SpecTestIn,
    TechniqueName,
)
from services.gateway.clients import Connections
from services.gateway.deps import Clients, act_as
from services.gateway.domain import STAFF, Role
from services.gateway.problems import Problem
from services.gateway.web.render import Refusal, attempt, invalid, language, page, problem_page
from services.gateway.web.session import WebUser, check_csrf

router = APIRouter(include_in_schema=False)
ADMIN = (Role.ADMIN,)
SOURCES = ("Ph. Eur.", "USP", "BP", "Int. Ph.", "manufacturer", "in-house")
_TEST_KEY = re.compile(r"t(\d+)-")
_SCALARS = [name for name in SpecTestIn.model_fields if name != "inputs"]


def _choices() -> dict[str, Any]:
    return {
        "techniques": get_args(TechniqueName),
        "calculations": get_args(CalculationName),
        "criteria": get_args(CriterionKindName),
        "sources": SOURCES,
        "test_fields": _SCALARS,
    }


def _refusal(request: Request, clients: Connections, problem: Problem | None) -> Refusal | None:
    return Refusal(problem, language(request, clients)) if problem else None


# ---- methods ------------------------------------------------------------------------------------


async def _methods_page(
    request: Request,
    clients: Connections,
    identity: Identity,
    *,
    refusal: Problem | None = None,
    form: dict[str, Any] | None = None,
    form_id: str = "",
) -> HTMLResponse:
    acting = act_as(identity, STAFF)
    methods = await api.list_methods(clients, acting, include_inactive=True)
    context = {
        "methods": methods,
        "refusal": _refusal(request, clients, refusal),
        "form": form or {},
        "form_id": form_id,
        "done": request.query_params.get("done", ""),
        **_choices(),
    }
    status = refusal.status if refusal else 200
    return page(
        request, clients, "catalogue_methods.html", context, identity=identity, status=status
    )


@router.get("/catalogue/methods")
async def methods_page(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """The methods, retired ones included; the admin adds and changes them."""
    return await _methods_page(request, clients, identity)


@router.post("/catalogue/methods")
async def create_method(request: Request, clients: Clients, identity: WebUser) -> Response:
    """A new method."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, ADMIN)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf"}
    body = {k: form.get(k, "") for k in ("code", "title", "reference", "technique", "reason")}
    try:
        parsed = MethodIn.model_validate(body)
    except ValidationError as error:
        return await _methods_page(
            request, clients, identity, refusal=invalid(error), form=body, form_id="new"
        )
    _, problem = await attempt(api.create_method(parsed, clients, acting))
    if problem is not None:
        return await _methods_page(
            request, clients, identity, refusal=problem, form=body, form_id="new"
        )
    return RedirectResponse("/catalogue/methods?done=created", status_code=303)


@router.post("/catalogue/methods/{code}")
async def update_method(
    code: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Changes a method, or retires it (or back)."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, ADMIN)
    form = await request.form()
    body: dict[str, Any] = {
        key: str(form.get(key, "")) for key in ("title", "reference", "technique", "reason")
    }
    body["active"] = form.get("active") == "true"
    try:
        parsed = MethodPatch.model_validate(body)
    except ValidationError as error:
        return await _methods_page(
            request, clients, identity, refusal=invalid(error), form=body, form_id=code
        )
    _, problem = await attempt(api.update_method(code, parsed, clients, acting))
    if problem is not None:
        return await _methods_page(
            request, clients, identity, refusal=problem, form=body, form_id=code
        )
    return RedirectResponse("/catalogue/methods?done=changed", status_code=303)


# ---- products and versions ----------------------------------------------------------------------


@router.get("/catalogue/products")
async def products_page(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """The products with the specification in force."""
    act_as(identity, STAFF)
    found = await products_api.list_products(clients, identity)
    context = {"products": found, "done": request.query_params.get("done", "")}
    return page(request, clients, "catalogue_products.html", context, identity=identity)


async def _product_page(
    request: Request,
    clients: Connections,
    identity: Identity,
    code: str,
    version: int,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    acting = act_as(identity, STAFF)
    found, problem = await attempt(api.list_versions(code, clients, acting))
    if found is None:
        return problem_page(request, clients, problem or problems.Missing(code), identity=identity)
    shown = next((v for v in found.versions if v.version == version), None)
    shown = shown or next(v for v in found.versions if v.in_force)
    context = {
        "product": found.product,
        "versions": found.versions,
        "shown": shown,
        "done": request.query_params.get("done", ""),
        "report": None,
        "refusal": None,
        "form": {},
        **(extra or {}),
    }
    return page(
        request, clients, "catalogue_product.html", context, identity=identity, status=status
    )


@router.get("/catalogue/products/new")
async def new_product_page(request: Request, clients: Clients, identity: WebUser) -> HTMLResponse:
    """The form of a new product with the first version of its specification."""
    act_as(identity, ADMIN)
    return await _editor(request, clients, identity, product=None, form={"tests": []})


@router.get("/catalogue/products/{code}")
async def product_page(
    code: str, request: Request, clients: Clients, identity: WebUser, version: int = 0
) -> HTMLResponse:
    """A product: every version of its specification, one shown with its tests."""
    return await _product_page(request, clients, identity, code, version)


async def _editor(
    request: Request,
    clients: Connections,
    identity: Identity,
    *,
    product: Any,
    form: dict[str, Any],
    refusal: Problem | None = None,
) -> HTMLResponse:
    acting = act_as(identity, STAFF)
    methods = await api.list_methods(clients, acting, include_inactive=False)
    context = {
        "product": product,
        "methods": methods,
        "form": form,
        "refusal": _refusal(request, clients, refusal),
        **_choices(),
    }
    status = refusal.status if refusal else 200
    return page(
        request, clients, "catalogue_editor.html", context, identity=identity, status=status
    )


@router.get("/catalogue/products/{code}/versions/new")
async def new_version_page(
    code: str, request: Request, clients: Clients, identity: WebUser
) -> HTMLResponse:
    """A new version, starting as a copy of the one in force."""
    acting = act_as(identity, ADMIN)
    found = await api.list_versions(code, clients, acting)
    current = next(v for v in found.versions if v.in_force)
    form = {
        "source": current.source,
        "reference": current.reference,
        "based_on_version": current.version,
        "tests": [_test_form(t) for t in current.tests],
    }
    return await _editor(request, clients, identity, product=found.product, form=form)


def _test_form(test: SpecTestIn) -> dict[str, Any]:
    row: dict[str, Any] = test.model_dump(exclude={"inputs"})
    row["inputs"] = "\n".join(f"{i.name} | {i.label} | {i.unit}" for i in test.inputs)
    return row


def _inputs(text: str) -> list[dict[str, str]]:
    rows = []
    for line in text.splitlines():
        if line.strip():
            name, label, unit = ([*line.split("|"), "", ""])[:3]
            rows.append({"name": name.strip(), "label": label.strip(), "unit": unit.strip()})
    return rows


def _tests_of(form: dict[str, str]) -> list[dict[str, Any]]:
    """The test rows of the editor, in order; a row without code and name, or marked to be
    removed, is left out."""
    indexes = sorted({int(m[1]) for key in form if (m := _TEST_KEY.match(key))})
    rows: list[dict[str, Any]] = []
    for i in indexes:
        row: dict[str, Any] = {f: form.get(f"t{i}-{f}", "").strip() for f in _SCALARS}
        row["inputs"] = form.get(f"t{i}-inputs", "")
        if form.get(f"t{i}-remove") or not (row["code"] or row["name"]):
            continue
        rows.append(row)
    return rows


def _body_tests(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    body = []
    for row in rows:
        test = {k: v for k, v in row.items() if k != "inputs" and v != ""}
        test["inputs"] = _inputs(row["inputs"])
        test["code"] = test.get("code", "").upper()
        body.append(test)
    return body


async def _form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/catalogue/products")
async def create_product(request: Request, clients: Clients, identity: WebUser) -> Response:
    """A new product with its first specification version."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, ADMIN)
    form = await _form_of(request)
    fields = ("code", "name", "inn", "dosage_form", "strength", "source", "reference", "reason")
    body: dict[str, Any] = {k: form.get(k, "").strip() for k in fields}
    body["units_per_analysis"] = form.get("units_per_analysis", "").strip() or 0
    rows = _tests_of(form)
    body["tests"] = _body_tests(rows)
    shown = {**body, "tests": rows}
    try:
        parsed = ProductIn.model_validate(body)
    except ValidationError as error:
        return await _editor(
            request, clients, identity, product=None, form=shown, refusal=invalid(error)
        )
    created, problem = await attempt(api.create_product(parsed, clients, acting))
    if created is None:
        return await _editor(request, clients, identity, product=None, form=shown, refusal=problem)
    return RedirectResponse(f"/catalogue/products/{created.code}?done=created", status_code=303)


@router.post("/catalogue/products/{code}/versions")
async def create_version(
    code: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Records the edited copy as the new version in force."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, ADMIN)
    form = await _form_of(request)
    body: dict[str, Any] = {k: form.get(k, "").strip() for k in ("source", "reference", "reason")}
    body["based_on_version"] = form.get("based_on_version", "").strip() or 0
    rows = _tests_of(form)
    body["tests"] = _body_tests(rows)
    shown = {**body, "tests": rows}
    found = await api.list_versions(code, clients, act_as(identity, STAFF))
    try:
        parsed = SpecificationIn.model_validate(body)
    except ValidationError as error:
        return await _editor(
            request, clients, identity, product=found.product, form=shown, refusal=invalid(error)
        )
    added, problem = await attempt(api.create_version(code, parsed, clients, acting))
    if added is None:
        return await _editor(
            request, clients, identity, product=found.product, form=shown, refusal=problem
        )
    return RedirectResponse(
        f"/catalogue/products/{code}?version={added.version}&done=version", status_code=303
    )


@router.post("/catalogue/products/{code}/import")
async def import_version(
    code: str, request: Request, clients: Clients, identity: WebUser
) -> Response:
    """Checks an uploaded specification ("check only") or records it as the new version."""
    await check_csrf(request, clients, identity)
    acting = act_as(identity, ADMIN)
    form = await request.form()
    fields = {k: str(form.get(k, "")).strip() for k in ("source", "reference", "reason")}
    checked_only = form.get("action") != "import"
    upload = form.get("file")
    extra: dict[str, Any] = {"form": fields, "checked_only": checked_only}
    lang = language(request, clients)
    if not isinstance(upload, UploadFile) or not upload.filename:
        refused = problems.Unprocessable(
            "choose a file", errors=[problems.FieldError(field="file", message="choose a file")]
        )
        extra["refusal"] = Refusal(refused, lang)
        return await _product_page(request, clients, identity, code, 0, extra, status=422)
    missing = [k for k, v in fields.items() if not v]
    if missing:
        refused = problems.Unprocessable(
            "; ".join(f"{k}: required" for k in missing),
            errors=[problems.FieldError(field=k, message="required") for k in missing],
        )
        extra["refusal"] = Refusal(refused, lang)
        return await _product_page(request, clients, identity, code, 0, extra, status=422)
    content = await upload.read(spec_import.MAX_BYTES + 1)
    try:
        report, problem = await attempt(
            api.import_version(clients, acting, code, content, **fields, dry_run=checked_only)
        )
    except spec_import.ImportRefused as error:
        report, problem = None, problems.Unprocessable(f"file: {error}")
    if report is None:
        extra["refusal"] = Refusal(problem or problems.Missing(code), lang)
        return await _product_page(request, clients, identity, code, 0, extra, status=422)
    if report.recorded and report.version is not None:
        return RedirectResponse(
            f"/catalogue/products/{code}?version={report.version.version}&done=imported",
            status_code=303,
        )
    extra["report"] = report
    status = 422 if report.errors else 200
    return await _product_page(request, clients, identity, code, 0, extra, status=status)
