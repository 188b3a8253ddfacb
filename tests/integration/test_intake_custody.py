"""The chain of custody over IntakeService's real gRPC server and a real database (SQLite and
PostgreSQL): storage locations, movements, refusals, idempotent retries, the audit entries."""

import asyncio
import json
from typing import Any

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.audit import verify_chain
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2, intake_pb2_grpc
from services.intake import demo
from services.intake.models import AuditEntry
from tests.integration.test_intake_service import (
    RECEPTION,
    create,
    intake_service,
    receipt,
    refused,
    status,
)

ADMIN = common_pb2.Actor(username="admin", full_name="Admin LIMS", role="admin")
STORED = intake_pb2.CUSTODY_KIND_STORED
HANDED = intake_pb2.CUSTODY_KIND_HANDED_TO_ANALYST
RETURNED = intake_pb2.CUSTODY_KIND_RETURNED
RETAINED = intake_pb2.CUSTODY_KIND_RETAINED
DISPOSED = intake_pb2.CUSTODY_KIND_DISPOSED


QUALITY = common_pb2.Actor(username="quality", full_name="Qamar Quality", role="quality")


def signed_disposal(
    lab_number: str, key: str, *, remarks: str = "", reason: str = "withdrawn"
) -> intake_pb2.RecordCustodyRequest:
    """A disposal by reception witnessed by quality, both signing (as the gateway sends it)."""
    request = move(lab_number, DISPOSED, key, witness="quality", remarks=remarks, reason=reason)
    request.signers.extend(
        [
            intake_pb2.Signer(actor=RECEPTION, meaning=common_pb2.SIGNATURE_MEANING_AUTHORED),
            intake_pb2.Signer(actor=QUALITY, meaning=common_pb2.SIGNATURE_MEANING_WITNESSED),
        ]
    )
    return request


def location(code: str, name: str, conditions: str) -> intake_pb2.CreateStorageLocationRequest:
    return intake_pb2.CreateStorageLocationRequest(
        actor=ADMIN, code=code, name=name, conditions=conditions
    )


def move(lab_number: str, kind: int, key: str, **fields: Any) -> intake_pb2.RecordCustodyRequest:
    """A movement by reception; keyword arguments fill its fields."""
    return intake_pb2.RecordCustodyRequest(
        lab_number=lab_number,
        actor=RECEPTION,
        kind=kind,  # type: ignore[arg-type]
        event_key=key,
        **fields,
    )


async def received_sample(stub: "intake_pb2_grpc.IntakeServiceAsyncStub", key: str) -> str:
    """A new sample, received; its lab number."""
    created = await stub.CreateRequest(create(key))
    lab_number: str = created.samples[0].lab_number
    await stub.RecordReceipt(receipt(lab_number))
    return lab_number


async def with_locations(stub: "intake_pb2_grpc.IntakeServiceAsyncStub") -> None:
    await stub.CreateStorageLocation(location("r2", "Réfrigérateur R2", "2–8 °C"))
    await stub.CreateStorageLocation(location("RET-1", "Échantillothèque", "15–25 °C"))


def custody_audit(session: Session, lab_number: str) -> list[tuple[str, dict[str, str], str]]:
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_id == lab_number, AuditEntry.action.like("custody_%"))
        .order_by(AuditEntry.seq)
    )
    return [(e.action, json.loads(e.new_value), e.reason) for e in entries]


async def test_a_sample_moves_from_storage_to_an_analyst_to_retention_to_disposal(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, db):
        await with_locations(stub)
        lab = await received_sample(stub, "custody-1")

        stored = await stub.RecordCustody(move(lab, STORED, "k1", location_code="R2"))
        assert stored.state == intake_pb2.CUSTODY_STATE_IN_STORAGE
        assert (stored.location.code, stored.location.conditions) == ("R2", "2–8 °C")
        handed = await stub.RecordCustody(
            move(lab, HANDED, "k2", handed_to="analyst", remarks="assay")
        )
        assert (handed.state, handed.holder) == (intake_pb2.CUSTODY_STATE_WITH_ANALYST, "analyst")
        assert not handed.HasField("location")
        await stub.RecordCustody(move(lab, RETURNED, "k3"))
        await stub.RecordCustody(move(lab, RETAINED, "k4", location_code="RET-1"))
        await stub.RecordStatus(status(lab, common_pb2.SAMPLE_STATUS_CANCELLED, "c", "withdrawn"))
        disposed = await stub.RecordCustody(signed_disposal(lab, "k5", remarks="incinerated"))

        trail = await stub.ListCustody(intake_pb2.ListCustodyRequest(lab_number=lab))
        assert trail == disposed
        assert trail.state == intake_pb2.CUSTODY_STATE_DISPOSED
        assert [(e.kind, e.location.code, e.handed_to, e.witness) for e in trail.events] == [
            (STORED, "R2", "", ""),
            (HANDED, "", "analyst", ""),
            (RETURNED, "", "", ""),
            (RETAINED, "RET-1", "", ""),
            (DISPOSED, "", "", "quality"),
        ]
        first = trail.events[0]
        assert (first.actor.username, first.detail) == ("reception", "at Réfrigérateur R2 (R2)")
        assert trail.events[1].detail == "to analyst: assay"
        assert trail.events[4].detail == "witnessed by quality: incinerated"
        audit = await db.read_call(custody_audit, lab)
        assert [action for action, _, _ in audit] == [
            "custody_stored",
            "custody_handed_to_analyst",
            "custody_returned",
            "custody_retained",
            "custody_disposed",
        ]
        assert audit[0][1]["location_code"] == "R2" and audit[0][1]["custody"] == "in_storage"
        assert audit[4][1]["witness"] == "quality" and audit[4][2] == "withdrawn"
        check = await db.read_call(verify_chain, AuditEntry)
        assert check.broken_at is None


async def test_a_retried_movement_is_recorded_once(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await with_locations(stub)
        lab = await received_sample(stub, "custody-retry")
        request = move(lab, STORED, "same-key", location_code="R2")
        answers = await asyncio.gather(*(stub.RecordCustody(request) for _ in range(3)))
        assert all(len(answer.events) == 1 for answer in answers)
        assert len(await db.read_call(custody_audit, lab)) == 1


async def test_movements_the_state_forbids_are_refused_and_change_nothing(
    database_url: str,
) -> None:
    async with intake_service(database_url) as (stub, db):
        await with_locations(stub)
        registered = (await stub.CreateRequest(create("custody-early"))).samples[0].lab_number
        message = await refused(
            stub.RecordCustody(move(registered, STORED, "a", location_code="R2")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert "custody starts at receipt" in message

        lab = await received_sample(stub, "custody-refusals")
        await refused(
            stub.RecordCustody(move(lab, STORED, "b", location_code="NOWHERE")),
            grpc.StatusCode.NOT_FOUND,
        )
        message = await refused(
            stub.RecordCustody(move(lab, HANDED, "c")), grpc.StatusCode.INVALID_ARGUMENT
        )
        assert message == "handed_to: required (the login name of the analyst)"
        await refused(
            stub.RecordCustody(move(lab, DISPOSED, "d")), grpc.StatusCode.FAILED_PRECONDITION
        )
        await refused(
            stub.RecordCustody(move(lab, RETURNED, "e")), grpc.StatusCode.FAILED_PRECONDITION
        )
        await refused(
            stub.RecordCustody(move("LNCM-1999-00001", RETURNED, "f")), grpc.StatusCode.NOT_FOUND
        )
        await stub.UpdateStorageLocation(
            intake_pb2.UpdateStorageLocationRequest(
                actor=ADMIN,
                code="R2",
                name="Réfrigérateur R2",
                conditions="2–8 °C",
                active=False,
                reason="broken compressor",
            )
        )
        message = await refused(
            stub.RecordCustody(move(lab, STORED, "g", location_code="R2")),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        assert message == "location_code: R2 is no longer in use; choose an active location"

        trail = await stub.ListCustody(intake_pb2.ListCustodyRequest(lab_number=lab))
        assert (len(trail.events), trail.state) == (0, intake_pb2.CUSTODY_STATE_AT_RECEPTION)
        assert await db.read_call(custody_audit, lab) == []


async def test_storage_locations_are_listed_and_their_changes_audited(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await with_locations(stub)
        again = await stub.CreateStorageLocation(location("R2", "Réfrigérateur R2", "2–8 °C"))
        assert again.code == "R2"
        message = await refused(
            stub.CreateStorageLocation(location("R2", "Autre", "15–25 °C")),
            grpc.StatusCode.ALREADY_EXISTS,
        )
        assert message == "code: a storage location R2 exists already"
        message = await refused(
            stub.CreateStorageLocation(location("", "", "2–8 °C")),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert message == "code: required (e.g. R2); name: required (e.g. Réfrigérateur R2)"
        await stub.UpdateStorageLocation(
            intake_pb2.UpdateStorageLocationRequest(
                actor=ADMIN, code="RET-1", name="Échantillothèque", conditions="15–25 °C"
            )
        )

        active = await stub.ListStorageLocations(intake_pb2.ListStorageLocationsRequest())
        assert [loc.code for loc in active.locations] == ["R2"]
        every = await stub.ListStorageLocations(
            intake_pb2.ListStorageLocationsRequest(include_inactive=True)
        )
        assert [(loc.code, loc.active) for loc in every.locations] == [
            ("R2", True),
            ("RET-1", False),
        ]

        def actions(session: Session) -> list[str]:
            query = select(AuditEntry.action).where(AuditEntry.entity_type == "storage_location")
            return list(session.scalars(query.order_by(AuditEntry.seq)))

        assert await db.read_call(actions) == [
            "storage_location_created",
            "storage_location_created",
            "storage_location_changed",
        ]


async def test_demo_locations_are_seeded_once(database_url: str) -> None:
    async with intake_service(database_url) as (stub, db):
        await db.write_call(demo.seed)
        await db.write_call(demo.seed)
        listed = await stub.ListStorageLocations(intake_pb2.ListStorageLocationsRequest())
        assert sorted(loc.code for loc in listed.locations) == sorted(
            code for code, _, _ in demo.LOCATIONS
        )
