"""Mounting the web UI on the gateway: its pages and forms, its stylesheet, and htmx, which is
installed as a package (django-js-lib-htmx ships the file; nothing of Django is used) and
served from there, so no third-party file is copied into the repository."""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.gateway import problems
from services.gateway.problems import Problem
from services.gateway.web import (
    amendments,
    attachments,
    audit,
    campaigns,
    catalogue,
    custody,
    dashboard,
    forms,
    investigations,
    labels,
    notifications,
    pages,
    render,
    resources,
    turnaround,
    users,
)
from services.gateway.web.session import LoginRequired, session_identity

STATIC = Path(__file__).resolve().parent / "static"
HTMX = files("js_lib_htmx").joinpath("static/htmx/htmx.min.js")


def install(app: FastAPI) -> None:
    """Adds the web UI's routes, static files and sign-in redirect to the gateway app."""
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.include_router(attachments.router)
    app.include_router(audit.router)
    app.include_router(custody.router)
    app.include_router(labels.router)
    app.include_router(users.router)
    app.include_router(campaigns.router)
    app.include_router(investigations.router)
    app.include_router(turnaround.router)
    app.include_router(resources.router)
    app.include_router(notifications.router)
    app.include_router(catalogue.router)
    app.include_router(dashboard.router)
    app.include_router(amendments.router)

    @app.get("/static/vendor/htmx.min.js", include_in_schema=False)
    async def htmx() -> Response:
        return FileResponse(str(HTMX), media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def to_login(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequired)
        if request.headers.get("HX-Request"):
            # htmx swaps what it receives: tell it to load the sign-in page as a whole.
            return Response(status_code=204, headers={"HX-Redirect": error.location})
        return RedirectResponse(error.location, status_code=303)

    app.add_exception_handler(LoginRequired, to_login)

    async def on_problem(request: Request, error: Exception) -> Response:
        # The REST API (and any client not asking for HTML) keeps its problem+json answers; a
        # browser on a page gets the refusal as a page, in its language.
        assert isinstance(error, Problem)
        wants_html = "text/html" in request.headers.get("accept", "")
        if request.url.path.startswith("/api/") or not wants_html:
            return problems.response(request, error)
        clients = request.app.state.connections
        identity = session_identity(request, clients)
        return render.problem_page(request, clients, error, identity=identity)

    app.add_exception_handler(Problem, on_problem)
