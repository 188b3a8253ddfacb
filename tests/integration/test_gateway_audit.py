"""The audit trail through the REST API: five chains merged, filtered, exported, verified, and
reviews of it recorded; tampering found by the endpoint and by the operator's command.

The four services run for real (gRPC, tests.support.services) and the gateway in-process, every
database on SQLite, then every one on PostgreSQL. No Temporal: the entries are made by calling
the services directly and by the gateway's own use cases."""

import csv
import io
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import httpx
import pypdf
import pytest
from sqlalchemy import create_engine, text

from kernel.audit_verify import verify_all
from kernel.db import sync_url
from kernel.settings import ServiceName, Settings
from kernel.timefmt import from_rfc3339, to_rfc3339, utcnow
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2, intake_pb2_grpc
from lims.testing.v1 import testing_pb2, testing_pb2_grpc
from tests.support.databases import postgres_database, sqlite_url
from tests.support.gateway import gateway, problem, sign_in
from tests.support.services import running_services

if TYPE_CHECKING:
    from lims.intake.v1.intake_pb2_grpc import IntakeServiceAsyncStub
    from lims.testing.v1.testing_pb2_grpc import TestingServiceAsyncStub

SERVICES: tuple[ServiceName, ...] = ("intake", "testing", "review", "reporting", "gateway")
RECEPTION = common_pb2.Actor(username="reception", full_name="Salma Idrissi", role="reception")


def nowhere() -> str:
    """An address where nothing listens (Temporal: these tests never reach it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh database per service, all SQLite files or all PostgreSQL databases."""
    with ExitStack() as stack:
        yield {
            f"{name}_database_url": sqlite_url(tmp_path, name)
            if request.param == "sqlite"
            else stack.enter_context(postgres_database())
            for name in SERVICES
        }


@dataclass
class Lab:
    """The running system, a session per user, and the sample registered and planned."""

    client: httpx.AsyncClient
    settings: Settings
    headers: dict[str, dict[str, str]]
    lab_number: str
    started: datetime

    async def get(self, path: str, user: str = "quality", **params: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.headers[user], params=params)

    async def ok(self, path: str, user: str = "quality", **params: Any) -> Any:
        answer = await self.get(path, user, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def trail(self, **params: Any) -> list[dict[str, Any]]:
        """Every entry matching the filters (one big page)."""
        page = await self.ok("/api/v1/audit", page_size=500, **params)
        assert page["total"] == len(page["items"]), "one page holds them all"
        return cast(list[dict[str, Any]], page["items"])


@pytest.fixture
async def lab(database_urls: dict[str, str], tmp_path: Path) -> AsyncIterator[Lab]:
    started = utcnow()
    async with running_services(tmp_path, **database_urls) as services:
        settings = services.settings.model_copy(
            update={**database_urls, "temporal_address": nowhere()}
        )
        async with gateway(settings) as client:
            intake = cast(
                "IntakeServiceAsyncStub",
                intake_pb2_grpc.IntakeServiceStub(services.channels.intake),
            )
            testing = cast(
                "TestingServiceAsyncStub",
                testing_pb2_grpc.TestingServiceStub(services.channels.testing),
            )
            lab_number = await register_and_plan(intake, testing)
            headers = {u: await sign_in(client, u) for u in ("quality", "admin", "analyst")}
            yield Lab(client, settings, headers, lab_number, started)


async def register_and_plan(
    intake: "IntakeServiceAsyncStub", testing: "TestingServiceAsyncStub"
) -> str:
    """Registers two paracetamol samples and plans the tests of the first; its lab number."""
    sample = intake_pb2.NewSample(
        product_code="PARA-500-TAB",
        product_name="Paracetamol 500 mg tablets",
        batch_number="PT24117",
        manufacturer="Laprophan",
        manufacture_date="2025-03-01",
        expiry_date="2028-02-29",
        quantity="100",
        quantity_unit="tablets",
    )
    request = await intake.CreateRequest(
        intake_pb2.CreateRequestRequest(
            request_key="audit-test-1",
            actor=RECEPTION,
            purpose=common_pb2.PURPOSE_MARKET_SURVEILLANCE,
            priority=common_pb2.PRIORITY_ROUTINE,
            requester_organisation="Direction du Médicament",
            samples=[sample, sample],
        )
    )
    lab_number: str = request.samples[0].lab_number
    await testing.CreateTestPlan(
        testing_pb2.CreateTestPlanRequest(
            lab_number=lab_number, product_code="PARA-500-TAB", actor=RECEPTION
        )
    )
    return lab_number


def raw_sql(url: str, statement: str, **params: Any) -> None:
    """Runs SQL on a database directly, behind the system's back."""
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), params)
    finally:
        engine.dispose()


def times(items: list[dict[str, Any]]) -> list[datetime | None]:
    return [from_rfc3339(item["at"]) for item in items]


async def test_a_samples_entries_come_from_every_chain_merged_by_time(lab: Lab) -> None:
    story = await lab.trail(related_to=lab.lab_number, order="oldest")
    assert [(e["service"], e["action"]) for e in story[:3]] == [
        ("intake", "request_created"),
        ("intake", "sample_registered"),
        ("testing", "test_plan_created"),
    ]
    planned = [e for e in story if e["action"] == "test_planned"]
    assert len(planned) == len(story) - 3 > 0
    assert all(e["entity_id"].startswith(f"{lab.lab_number}-") for e in planned)
    assert times(story) == sorted(times(story))  # type: ignore[type-var]
    registered = story[1]
    assert registered["entity_type"] == "sample" and registered["entity_id"] == lab.lab_number
    assert registered["username"] == "reception" and registered["role"] == "reception"
    assert registered["old_value"] == "" and f'"{lab.lab_number}"' in registered["new_value"]
    assert len(registered["hash"]) == len(registered["prev_hash"]) == 64
    newest_first = await lab.trail(related_to=lab.lab_number)
    assert newest_first == story[::-1]
    # A prefix finds the sample, its test plan and its tests, not the request naming it.
    by_prefix = await lab.trail(entity_id=lab.lab_number, order="oldest")
    assert by_prefix == story[1:]


async def test_filters_by_service_user_type_action_and_period(lab: Lab) -> None:
    everything = await lab.trail()
    assert {e["service"] for e in everything} == {"intake", "testing", "gateway"}
    assert times(everything) == sorted(times(everything), reverse=True)  # type: ignore[type-var]
    users = await lab.trail(service="gateway")
    assert [e["action"] for e in users] == ["user_created"] * 8
    assert {e["entity_id"] for e in users} >= {"quality", "admin", "analyst"}
    two = await lab.trail(service=["intake", "testing"])
    assert two == [e for e in everything if e["service"] in ("intake", "testing")]
    by_reception = await lab.trail(username="reception")
    assert by_reception and {e["username"] for e in by_reception} == {"reception"}
    assert {e["service"] for e in by_reception} == {"intake", "testing"}
    samples = await lab.trail(entity_type="sample")
    assert [e["action"] for e in samples] == ["sample_registered"] * 2
    assert await lab.trail(action="sample_registered") == samples
    # The demo catalogue and users were written before the sample was registered.
    registered_at = samples[-1]["at"]
    since = await lab.trail(since=registered_at)
    assert since == [e for e in everything if e["at"] >= registered_at]
    until = await lab.trail(until=registered_at)
    assert until == [e for e in everything if e["at"] < registered_at]
    assert await lab.trail(since=to_rfc3339(utcnow() + timedelta(hours=1))) == []
    refused = await lab.get("/api/v1/audit", since="2026-03-01T10:00:00")  # no offset
    assert problem(refused, 422)["errors"][0]["field"] == "since"


async def test_pages_cut_the_merged_trail_without_gaps_or_repeats(lab: Lab) -> None:
    everything = await lab.trail()
    pages = []
    for number in range(1, 100):
        page = await lab.ok("/api/v1/audit", page=number, page_size=7)
        assert (page["total"], page["page"], page["page_size"]) == (len(everything), number, 7)
        if not page["items"]:
            break
        pages.extend(page["items"])
    assert pages == everything


async def test_only_quality_and_admin_read_the_audit_trail(lab: Lab) -> None:
    assert problem(await lab.client.get("/api/v1/audit"), 401)
    for path in ("/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/export.csv"):
        assert problem(await lab.get(path, "analyst"), 403)
    assert (await lab.get("/api/v1/audit", "admin")).status_code == 200
    assert (await lab.get("/api/v1/audit/verify", "admin")).status_code == 200
    body = {
        "period_start": "2026-01-01T00:00:00Z",
        "period_end": "2026-02-01T00:00:00Z",
        "comment": "nothing unusual",
    }
    answer = await lab.client.post("/api/v1/audit/reviews", json=body, headers=lab.headers["admin"])
    assert problem(answer, 403)["detail"] == "this action needs the role 'quality'"


async def test_the_csv_export_holds_every_matching_entry(lab: Lab) -> None:
    story = await lab.trail(related_to=lab.lab_number)
    answer = await lab.get("/api/v1/audit/export.csv", related_to=lab.lab_number)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith('attachment; filename="audit-trail-')
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["hash"] for row in rows] == [e["hash"] for e in story]
    assert rows[0] == {key: str(value) for key, value in story[0].items()}


async def test_the_printed_trail_names_its_filters_entries_and_chains(lab: Lab) -> None:
    answer = await lab.get("/api/v1/audit/export.pdf", related_to=lab.lab_number)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(answer.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert f"related_to = {lab.lab_number}" in text
    assert "sample_registered" in text or "registered" in text
    assert "intacte / intact" in text and "Fin de l'extrait" in text


async def test_reviews_of_the_audit_trail_are_recorded_and_audited(lab: Lab) -> None:
    quality = lab.headers["quality"]
    body = {
        "period_start": "2026-03-01T00:00:00+01:00",
        "period_end": "2026-04-01T00:00:00Z",
        "filters": {"service": "testing", "username": "analyst"},
        "comment": "Results of March reviewed; no unexplained change.",
    }
    answer = await lab.client.post("/api/v1/audit/reviews", json=body, headers=quality)
    assert answer.status_code == 201, answer.text
    review = answer.json()
    assert review["username"] == "quality" and review["role"] == "quality"
    assert review["period_start"] == "2026-02-28T23:00:00Z"
    assert review["filters"] == body["filters"] and review["comment"] == body["comment"]
    assert await lab.ok("/api/v1/audit/reviews", "admin") == [review]
    [entry] = await lab.trail(action="audit_trail_reviewed")
    assert (entry["service"], entry["entity_type"]) == ("gateway", "audit_review")
    assert (entry["entity_id"], entry["username"]) == (str(review["review_id"]), "quality")
    assert '"comment":"Results of March reviewed; no unexplained change."' in entry["new_value"]

    for wrong, field in (
        ({"period_end": "2026-02-01T00:00:00Z"}, "period_end"),
        (
            {
                "period_start": to_rfc3339(utcnow() + timedelta(days=1)),
                "period_end": to_rfc3339(utcnow() + timedelta(days=2)),
            },
            "period_start",
        ),
        ({"period_start": "2026-03-01T00:00:00"}, "period_start"),  # no offset
        ({"comment": "  "}, "comment"),
    ):
        answer = await lab.client.post("/api/v1/audit/reviews", json=body | wrong, headers=quality)
        assert [e["field"] for e in problem(answer, 422)["errors"]] == [field], wrong
    assert len(await lab.ok("/api/v1/audit/reviews")) == 1


async def test_tampering_in_two_services_is_found_by_the_endpoint_and_the_command(
    lab: Lab,
) -> None:
    verified = await lab.ok("/api/v1/audit/verify")
    assert verified["intact"] is True
    assert [c["service"] for c in verified["chains"]] == list(SERVICES)
    counts = {c["service"]: c["entries"] for c in verified["chains"]}
    # Intake's chain: the demo storage locations, then the request (its sample, its receipt).
    assert counts["intake"] >= 3 and counts["gateway"] == 8 and counts["testing"] > 0
    assert all(c["intact"] and c["broken_at"] is None for c in verified["chains"])

    planned = (await lab.trail(service="testing", action="test_planned", order="oldest"))[1]
    raw_sql(
        lab.settings.database_url("testing"),
        "UPDATE audit_entries SET new_value = :value WHERE seq = :seq",
        value='{"code":"ASSAY","status":"accepted"}',
        seq=planned["seq"],
    )
    raw_sql(lab.settings.database_url("intake"), "DELETE FROM audit_entries WHERE seq = 2")

    verified = await lab.ok("/api/v1/audit/verify")
    assert verified["intact"] is False
    chains = {c["service"]: c for c in verified["chains"]}
    assert chains["testing"] | {"entries": 0} == {
        "service": "testing",
        "entries": 0,
        "intact": False,
        "broken_at": planned["seq"],
        "problem": "entry was altered after it was written",
    }
    assert chains["testing"]["entries"] == planned["seq"] - 1
    assert (chains["intake"]["broken_at"], chains["intake"]["problem"]) == (
        2,
        "entry 2 is missing",
    )
    assert all(chains[name]["intact"] for name in ("review", "reporting", "gateway"))

    reports = {report.service: report for report in verify_all(lab.settings)}
    for name in SERVICES:
        check = reports[name].check
        assert check is not None
        assert (check.entries, check.intact, check.broken_at, check.problem) == (
            chains[name]["entries"],
            chains[name]["intact"],
            chains[name]["broken_at"],
            chains[name]["problem"],
        )
