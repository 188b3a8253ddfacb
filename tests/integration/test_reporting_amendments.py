"""Amended certificates and their verification, over the reporting service's real gRPC server
and a real database (SQLite and PostgreSQL)."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import grpc

from kernel.audit import verify_chain
from kernel.db import Database
from lims.reporting.v1 import amendments_pb2, amendments_pb2_grpc, reporting_pb2, reporting_pb2_grpc
from services.reporting import amendments, main, service
from services.reporting.models import AuditEntry
from tests.integration.test_reporting_service import (
    APPROVER,
    SETTINGS,
    content,
    issue,
    refused,
)
from tests.support.grpc import serving

if TYPE_CHECKING:
    from lims.reporting.v1.amendments_pb2_grpc import CertificateVersionsAsyncStub
    from lims.reporting.v1.reporting_pb2_grpc import ReportingServiceAsyncStub

REASON = "batch number misprinted: B2409-71, not B2409-17"


def amend(
    replaces: str, reason: str = REASON, **fields: object
) -> amendments_pb2.AmendCertificateRequest:
    """An amendment of `replaces` with corrected content."""
    corrected = content(**({"batch_number": "B2409-71"} | fields))  # type: ignore[arg-type]
    return amendments_pb2.AmendCertificateRequest(
        actor=APPROVER, content=corrected, replaces=replaces, reason=reason
    )


@asynccontextmanager
async def reporting_service(
    database_url: str,
) -> AsyncIterator[tuple["ReportingServiceAsyncStub", "CertificateVersionsAsyncStub", Database]]:
    """The service, migrated and served on a free port: both its stubs and its database."""
    db = Database(database_url)
    await main.setup(db, SETTINGS)
    try:
        async with serving(main.register(db, SETTINGS), main.SERVICE_NAMES) as channel:
            yield (
                reporting_pb2_grpc.ReportingServiceStub(channel),  # type: ignore[misc]
                amendments_pb2_grpc.CertificateVersionsStub(channel),
                db,
            )
    finally:
        await db.dispose()


async def test_amendment_issues_version_2_and_supersedes_version_1(database_url: str) -> None:
    async with reporting_service(database_url) as (stub, versions, db):
        first = await stub.IssueCertificate(issue())
        amended = await versions.AmendCertificate(amend(first.report_number))
        retried = await versions.AmendCertificate(amend(first.report_number))
        listed = await versions.ListCertificateVersions(
            amendments_pb2.ListCertificateVersionsRequest(lab_number=first.lab_number)
        )
        old = await stub.GetCertificate(
            reporting_pb2.GetCertificateRequest(report_number=first.report_number)
        )
        latest = await stub.GetCertificate(
            reporting_pb2.GetCertificateRequest(lab_number=first.lab_number)
        )
        old_facts = await versions.VerifyCertificate(
            amendments_pb2.VerifyCertificateRequest(report_number=first.report_number)
        )
        new_facts = await versions.VerifyCertificate(
            amendments_pb2.VerifyCertificateRequest(report_number=amended.certificate.report_number)
        )
        # The workflow's issue, retried after the amendment, changes nothing.
        reissued = await stub.IssueCertificate(issue())
        entries = await db.read_call(
            lambda s: [
                (e.action, e.entity_id, e.reason, e.old_value, e.new_value)
                for e in s.query(AuditEntry).order_by(AuditEntry.seq)
            ]
        )
        check = await db.read_call(verify_chain, AuditEntry)

    new = amended.certificate
    assert (new.report_number, new.version) == (f"{first.report_number}-V2", 2)
    assert (amended.replaces, amended.reason, amended.superseded_by) == (
        first.report_number,
        REASON,
        "",
    )
    assert new.content.batch_number == "B2409-71"
    assert retried.certificate.report_number == new.report_number
    assert [v.certificate.version for v in listed.versions] == [1, 2]
    assert listed.versions[0].superseded_by == new.report_number
    assert listed.versions[0].superseded_at == new.issued_at
    assert {v.current for v in listed.versions} == {new.report_number}
    # Version 1 is still there, unchanged.
    assert old.content_hash == first.content_hash
    assert old.content.batch_number == "B2409-17"
    assert latest.report_number == new.report_number
    assert reissued.report_number == new.report_number
    assert (old_facts.superseded_by, old_facts.superseded_by_version) == (new.report_number, 2)
    assert old_facts.batch_number == "B2409-17"
    assert (new_facts.superseded_by, new_facts.version) == ("", 2)
    amended_entries = [e for e in entries if e[0] == "amended"]
    assert len(amended_entries) == 1
    _, entity, reason, old_value, new_value = amended_entries[0]
    assert (entity, reason) == (new.report_number, REASON)
    assert first.content_hash in old_value and new.content_hash in new_value
    assert check.intact


async def test_only_the_current_version_can_be_amended(database_url: str) -> None:
    async with reporting_service(database_url) as (stub, versions, _):
        first = await stub.IssueCertificate(issue())
        second = await versions.AmendCertificate(amend(first.report_number))
        stale = await refused(
            versions.AmendCertificate(amend(first.report_number, reason="another correction")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        third = await versions.AmendCertificate(
            amend(second.certificate.report_number, reason="expiry date corrected")
        )
        no_reason = await refused(
            versions.AmendCertificate(amend(third.certificate.report_number, reason=" ")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        unknown = await refused(
            versions.AmendCertificate(amend("COA-1999-00001")), grpc.StatusCode.NOT_FOUND
        )
        other_sample = await refused(
            versions.AmendCertificate(
                amend(third.certificate.report_number, lab_number="LNCM-2026-00999")
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
    assert "already replaced" in stale
    assert third.certificate.report_number == f"{first.report_number}-V3"
    assert third.replaces == second.certificate.report_number
    assert "reason" in no_reason
    assert "COA-1999-00001" in unknown
    assert "content.lab_number" in other_sample


async def test_concurrent_amendments_of_one_version_make_one_new_version(
    database_url: str,
) -> None:
    async with reporting_service(database_url) as (stub, versions, _):
        first = await stub.IssueCertificate(issue())
        answers = await asyncio.gather(
            *(versions.AmendCertificate(amend(first.report_number)) for _ in range(4))
        )
    assert {a.certificate.report_number for a in answers} == {f"{first.report_number}-V2"}


async def test_uploaded_pdf_hash_matches_the_version_it_was_issued_as(database_url: str) -> None:
    async with reporting_service(database_url) as (stub, versions, db):
        first = await stub.IssueCertificate(issue())
        # Stored directly: rendering is covered by the reporting service's own test.
        await db.write_call(service.store_pdf, first.report_number, b"%PDF-1.7 version one")
        amended = await versions.AmendCertificate(amend(first.report_number))
        await db.write_call(
            service.store_pdf, amended.certificate.report_number, b"%PDF-1.7 version two"
        )

        async def match(report_number: str, data: bytes) -> amendments_pb2.CertificatePdfMatch:
            answer: amendments_pb2.CertificatePdfMatch = await versions.MatchCertificatePdf(
                amendments_pb2.MatchCertificatePdfRequest(
                    report_number=report_number, sha256=hashlib.sha256(data).hexdigest()
                )
            )
            return answer

        old = await match(amended.certificate.report_number, b"%PDF-1.7 version one")
        new = await match(first.report_number, b"%PDF-1.7 version two")
        forged = await match(first.report_number, b"%PDF-1.7 forged")
        bad_hash = await refused(
            versions.MatchCertificatePdf(
                amendments_pb2.MatchCertificatePdfRequest(
                    report_number=first.report_number, sha256="xyz"
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        chain = await db.read_call(amendments.versions_of, first.lab_number)
    assert (old.matches, old.report_number, old.version, old.current) == (
        True,
        first.report_number,
        1,
        False,
    )
    assert (new.matches, new.version, new.current) == (True, 2, True)
    assert not forged.matches and forged.version == 0
    assert "sha256" in bad_hash
    assert [v.superseded_by is None for v in chain] == [False, True]
