"""The FastAPI application: routes, problem handlers, and a lifespan that connects once."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from kernel.settings import Settings, get_settings
from services.gateway import problems
from services.gateway.api import amendments as amendments_api
from services.gateway.api import (
    audit,
    auth,
    notifications,
    outbox,
    products,
    requests,
    samples,
    tests,
    users,
    verify,
)
from services.gateway.api import campaigns as campaigns_api
from services.gateway.api import catalogue as catalogue_api
from services.gateway.api import corrections as corrections_api
from services.gateway.api import custody as custody_api
from services.gateway.api import investigations as investigations_api
from services.gateway.api import kpis as kpis_api
from services.gateway.api import resources as resources_api
from services.gateway.api import turnaround as turnaround_api
from services.gateway.clients import connect
from services.gateway.schemas import Health
from services.gateway.web import app as web

DESCRIPTION = """\
The public REST API (v1) of the laboratory's LIMS: requests for analysis, samples, tests,
results, review, approval and certificates of analysis.

Sign in with `POST /api/v1/auth/token` (OAuth2 password grant) and send the token as
`Authorization: Bearer <token>`. Every error is an RFC 9457 problem (`application/problem+json`).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The gateway application for `settings` (the process's settings by default)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connections = await connect(settings)
        app.state.connections = connections
        try:
            yield
        finally:
            await connections.close()

    app = FastAPI(
        title=f"LIMS — {settings.lab_name}",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    problems.install(app)
    for module in (auth, products, requests, samples, tests, users, audit, notifications, outbox):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(custody_api.router, prefix="/api/v1")
    app.include_router(campaigns_api.router, prefix="/api/v1")
    app.include_router(investigations_api.router, prefix="/api/v1")
    app.include_router(turnaround_api.router, prefix="/api/v1")
    app.include_router(resources_api.router, prefix="/api/v1")
    app.include_router(catalogue_api.router, prefix="/api/v1")
    app.include_router(kpis_api.router, prefix="/api/v1")
    app.include_router(amendments_api.router, prefix="/api/v1")
    app.include_router(corrections_api.router, prefix="/api/v1")
    app.include_router(verify.router)
    web.install(app)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> Health:
        """The gateway is up (the launcher waits for this)."""
        return Health()

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = problems.fix_openapi(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
