"""ReportingService over a real gRPC server and a real database (SQLite and PostgreSQL)."""

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import grpc
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pypdf import PdfReader
from sqlalchemy import create_engine

from kernel import migrations
from kernel.audit import verify_chain
from kernel.db import Database, sync_url
from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting import main, render
from services.reporting.domain import canonical_content
from services.reporting.models import AuditEntry, Base
from services.reporting.render import render_pdf
from tests.support.grpc import serving

if TYPE_CHECKING:
    from lims.reporting.v1.reporting_pb2_grpc import ReportingServiceAsyncStub

SETTINGS = Settings(timezone="Africa/Casablanca", public_base_url="https://lims.example.org")
APPROVER = common_pb2.Actor(username="approver", full_name="Aicha Approver", role="approver")


def content(
    lab_number: str = "LNCM-2026-00001", **fields: object
) -> reporting_pb2.CertificateContent:
    """A complete certificate content; keyword arguments override its fields."""
    values: dict[str, object] = {
        "lab_number": lab_number,
        "product_name": "Paracetamol 500 mg tablets",
        "product_code": "PARA500",
        "batch_number": "B2409-17",
        "purpose": common_pb2.PURPOSE_BATCH_RELEASE,
        "received_at": "2026-03-02T09:15:00Z",
        "tests": [
            reporting_pb2.CertificateTest(
                name="Assay (HPLC)",
                limits="95.0 - 105.0 %",
                values=["99.6", "100.1"],
                result="99.8",
                unit="%",
                conformity=common_pb2.CONFORMITY_CONFORMS,
            )
        ],
        "conclusion": common_pb2.CONFORMITY_CONFORMS,
        "signatures": [
            common_pb2.Signature(
                username="approver",
                full_name="Aicha Approver",
                meaning=common_pb2.SIGNATURE_MEANING_APPROVED,
                signed_at="2026-03-11T08:30:00Z",
            )
        ],
    }
    values.update(fields)
    return reporting_pb2.CertificateContent(**values)  # type: ignore[arg-type]


def issue(
    lab_number: str = "LNCM-2026-00001", **fields: object
) -> reporting_pb2.IssueCertificateRequest:
    """A valid issue request for a sample."""
    return reporting_pb2.IssueCertificateRequest(
        actor=APPROVER, content=content(lab_number, **fields)
    )


def this_year() -> int:
    """The current year in the lab's calendar (report numbers follow it)."""
    return datetime.now(ZoneInfo(SETTINGS.timezone)).year


@asynccontextmanager
async def reporting_service(
    database_url: str,
) -> AsyncIterator[tuple["ReportingServiceAsyncStub", Database]]:
    """The service, migrated and served on a free port, and its database."""
    db = Database(database_url)
    await main.setup(db, SETTINGS)
    try:
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            yield reporting_pb2_grpc.ReportingServiceStub(channel), db  # type: ignore[misc]
    finally:
        await db.dispose()


async def refused(call: object, code: grpc.StatusCode) -> str:
    """Awaits a call that must fail with `code`; returns its message."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    return str(caught.value.details())


def test_migrations_produce_exactly_the_models_schema(database_url: str) -> None:
    migrations.upgrade("reporting", database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


async def test_certificates_are_numbered_per_year_without_gaps(database_url: str) -> None:
    async with reporting_service(database_url) as (stub, _):
        first = await stub.IssueCertificate(issue("LNCM-2026-00001"))
        second = await stub.IssueCertificate(issue("LNCM-2026-00002"))
        await stub.IssueCertificate(issue("LNCM-2026-00001"))  # a retry takes no number
        await refused(stub.IssueCertificate(issue("")), grpc.StatusCode.INVALID_ARGUMENT)
        third = await stub.IssueCertificate(issue("LNCM-2026-00003"))
    year = this_year()
    assert [c.report_number for c in (first, second, third)] == [
        f"COA-{year}-00001",
        f"COA-{year}-00002",
        f"COA-{year}-00003",
    ]
    assert first.version == 1


async def test_concurrent_issues_take_distinct_consecutive_numbers(database_url: str) -> None:
    async with reporting_service(database_url) as (stub, _):
        issued = await asyncio.gather(
            *(stub.IssueCertificate(issue(f"LNCM-2026-{n:05d}")) for n in range(1, 7)),
            *(stub.IssueCertificate(issue("LNCM-2026-00001")) for _ in range(3)),
        )
    numbers = {c.lab_number: c.report_number for c in issued}
    assert sorted(numbers.values()) == [f"COA-{this_year()}-{n:05d}" for n in range(1, 7)]
    assert {c.report_number for c in issued if c.lab_number == "LNCM-2026-00001"} == {
        numbers["LNCM-2026-00001"]
    }


async def test_issue_freezes_the_content_and_its_hash(database_url: str) -> None:
    async with reporting_service(database_url) as (stub, _):
        issued = await stub.IssueCertificate(issue())
        elsewhere = await stub.IssueCertificate(
            issue("LNCM-2026-00002", laboratory_name="Annexe", laboratory_address="Casablanca")
        )
    # The laboratory is stamped from the settings when the caller leaves it out.
    frozen = content(laboratory_name=SETTINGS.lab_name, laboratory_address=SETTINGS.lab_address)
    assert issued.content == frozen
    assert issued.content_hash == hashlib.sha256(canonical_content(frozen).encode()).hexdigest()
    assert (elsewhere.content.laboratory_name, elsewhere.content.laboratory_address) == (
        "Annexe",
        "Casablanca",
    )
    assert issued.issued_by == APPROVER
    assert issued.issued_at.endswith("Z")
    # Issuing never renders: the PDF comes on first request.
    assert (issued.pdf, issued.pdf_hash) == (b"", "")


async def test_issue_is_idempotent_on_the_lab_number(database_url: str) -> None:
    async with reporting_service(database_url) as (stub, _):
        first = await stub.IssueCertificate(issue())
        again = await stub.IssueCertificate(issue(product_name="Something else"))
    assert again == first
    assert again.content.product_name == "Paracetamol 500 mg tablets"


async def test_certificate_is_found_by_lab_number_or_report_number(database_url: str) -> None:
    async with reporting_service(database_url) as (stub, _):
        issued = await stub.IssueCertificate(issue())
        await stub.IssueCertificate(issue("LNCM-2026-00002"))
        by_lab = await stub.GetCertificate(
            reporting_pb2.GetCertificateRequest(lab_number="LNCM-2026-00001")
        )
        by_number = await stub.GetCertificate(
            reporting_pb2.GetCertificateRequest(report_number=issued.report_number)
        )
    assert by_lab == issued
    assert by_number == issued


@pytest.mark.parametrize(
    "request_fields",
    [
        {"lab_number": "LNCM-2099-00001"},
        {"report_number": "COA-2000-00001"},
        {"lab_number": "LNCM-2026-00002", "report_number": "<issued>"},
    ],
)
async def test_unknown_certificate_is_not_found(
    database_url: str, request_fields: dict[str, str]
) -> None:
    async with reporting_service(database_url) as (stub, _):
        issued = await stub.IssueCertificate(issue())
        fields = {
            k: issued.report_number if v == "<issued>" else v for k, v in request_fields.items()
        }
        await refused(
            stub.GetCertificate(reporting_pb2.GetCertificateRequest(**fields)),  # type: ignore[arg-type]
            grpc.StatusCode.NOT_FOUND,
        )


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (issue(""), "content.lab_number"),
        (issue(product_name=""), "content.product_name"),
        (issue(tests=[]), "content.tests"),
        (issue(tests=[reporting_pb2.CertificateTest(result="1")]), "content.tests[0].name"),
        (issue(conclusion=common_pb2.CONFORMITY_UNSPECIFIED), "content.conclusion"),
        (reporting_pb2.IssueCertificateRequest(content=content()), "actor.username"),
    ],
)
async def test_incomplete_issue_is_invalid(
    database_url: str, request_: reporting_pb2.IssueCertificateRequest, field: str
) -> None:
    async with reporting_service(database_url) as (stub, _):
        message = await refused(stub.IssueCertificate(request_), grpc.StatusCode.INVALID_ARGUMENT)
        await refused(
            stub.GetCertificate(reporting_pb2.GetCertificateRequest()),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
    assert field in message


async def test_pdf_is_rendered_once_then_served_byte_identical(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The only test that renders (about half a second each, on each database).
    renders: list[str] = []

    def counted(certificate: reporting_pb2.Certificate, settings: Settings) -> bytes:
        renders.append(certificate.report_number)
        return render_pdf(certificate, settings)

    monkeypatch.setattr(render, "render_pdf", counted)
    async with reporting_service(database_url) as (stub, db):
        issued = await stub.IssueCertificate(issue())
        asked = reporting_pb2.GetCertificateRequest(
            report_number=issued.report_number, include_pdf=True
        )
        first = await stub.GetCertificate(asked)
        second = await stub.GetCertificate(asked)
        by_lab = await stub.GetCertificate(
            reporting_pb2.GetCertificateRequest(lab_number=issued.lab_number, include_pdf=True)
        )
        without = await stub.GetCertificate(
            reporting_pb2.GetCertificateRequest(report_number=issued.report_number)
        )
        check = await db.read_call(verify_chain, AuditEntry)
    assert renders == [issued.report_number]
    assert first.pdf.startswith(b"%PDF")
    assert first.pdf_hash == hashlib.sha256(first.pdf).hexdigest()
    assert second.pdf == first.pdf
    assert by_lab.pdf == first.pdf
    assert (without.pdf, without.pdf_hash) == (b"", first.pdf_hash)
    pages = PdfReader(io.BytesIO(first.pdf)).pages
    text = " ".join(page.extract_text() for page in pages)
    for expected in (
        issued.lab_number,
        issued.report_number,
        "Paracetamol 500 mg tablets",
        "The sample CONFORMS to the specification",
        f"Page 1 de / of {len(pages)}",
        f"Page {len(pages)} de / of {len(pages)}",
        "End of report",
    ):
        assert expected in text, expected
    # Issued, then rendered: two entries, chained.
    assert (check.entries, check.broken_at) == (2, None)
