"""Chain of custody: where a sample is and every movement of it, and the storage locations."""

import asyncio
import hashlib
import uuid
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Header, Query

from kernel.proto_enums import enum_to_str, str_to_enum
from kernel.signed_content import SAMPLE_DISPOSAL, content_hash, disposal_text
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from services.gateway import convert, reads, retention, service
from services.gateway.auth import Identity
from services.gateway.clients import Connections
from services.gateway.credentials import lockout_policy
from services.gateway.deps import Acting, AsAdmin, AsStaff, Clients, acting_as
from services.gateway.domain import Role, is_staff
from services.gateway.problems import FieldError, Missing, Unprocessable, responses
from services.gateway.schemas import (
    ActorOut,
    CustodyEventOut,
    CustodyIn,
    CustodyOut,
    SampleSummary,
    StorageLocationIn,
    StorageLocationOut,
    StorageLocationPatch,
)
from services.gateway.signatures import confirm_signer
from services.gateway.witness import confirm_witness

router = APIRouter(tags=["custody"])

# Who moves samples: reception keeps them, analysts and reviewers take them to test, quality
# retains and witnesses disposal.
CUSTODIANS = (Role.RECEPTION, Role.ANALYST, Role.REVIEWER, Role.QUALITY)
AsCustodian = Annotated[Acting, Depends(acting_as(*CUSTODIANS))]

_READ_ERRORS = responses(401, 403, 404, 502, 503)
_ACTION_ERRORS = responses(401, 403, 404, 409, 422, 502, 503)


def _actor(acting: Acting) -> common_pb2.Actor:
    return common_pb2.Actor(
        username=acting.username, full_name=acting.identity.full_name, role=acting.role
    )


def location_out(location: intake_pb2.StorageLocation) -> StorageLocationOut:
    """The REST form of a storage location."""
    return StorageLocationOut(
        code=location.code,
        name=location.name,
        conditions=location.conditions,
        active=location.active,
        created_at=location.created_at,
    )


def _signed_hash(lab_number: str, event: intake_pb2.CustodyEvent, kept_at: str) -> str:
    """The hash of the disposal as it reads now (kernel.signed_content, as intake signed it)."""
    text = disposal_text(
        lab_number=lab_number,
        location_code=kept_at,
        remarks=event.remarks,
        reason=event.reason,
        at=event.at,
    )
    return content_hash(text)


def custody_out(trail: intake_pb2.CustodyTrail) -> CustodyOut:
    """The REST form of a sample's chain of custody; each signature with its intact check (the
    movement, read now, still hashes to what was signed)."""
    events: list[CustodyEventOut] = []
    kept_at = ""  # where the previous movement left the sample: a disposal signs it
    for event in trail.events:
        now_hash = _signed_hash(trail.lab_number, event, kept_at) if event.signatures else ""
        events.append(
            CustodyEventOut(
                kind=cast(Any, enum_to_str(intake_pb2.CustodyKind, event.kind)),
                at=event.at,
                actor=ActorOut(username=event.actor.username, full_name=event.actor.full_name),
                location=location_out(event.location) if event.HasField("location") else None,
                handed_to=event.handed_to or None,
                witness=event.witness or None,
                remarks=event.remarks,
                detail=event.detail,
                reason=event.reason,
                signatures=[
                    convert.signature(
                        signature,
                        intact=signature.record_kind == SAMPLE_DISPOSAL
                        and signature.content_hash == now_hash,
                    )
                    for signature in event.signatures
                ],
            )
        )
        kept_at = event.location.code if event.HasField("location") else ""
    return CustodyOut(
        lab_number=trail.lab_number,
        state=cast(Any, enum_to_str(intake_pb2.CustodyState, trail.state)),
        location=location_out(trail.location) if trail.HasField("location") else None,
        holder=trail.holder or None,
        events=events,
        retain_until=trail.retain_until or None,
    )


@router.get("/samples/{lab_number}/custody", responses=_READ_ERRORS)
async def get_custody(lab_number: str, clients: Clients, acting: AsStaff) -> CustodyOut:
    """Where the sample is now (location or analyst), and every movement, oldest first."""
    await reads.sample(clients, acting.identity, lab_number)
    trail = await clients.intake.ListCustody(intake_pb2.ListCustodyRequest(lab_number=lab_number))
    return custody_out(trail)


async def _check_person(clients: Connections, field: str, username: str, role: Role | None) -> None:
    """422 unless `username` is an active user (holding `role` when given)."""
    account = await clients.db.read_call(service.find_account, username)
    if account is None or not account.active or (role is not None and role not in account.roles):
        held = f" with the role '{role}'" if role is not None else ""
        message = f"{username!r} is not an active user{held}"
        raise Unprocessable(
            f"{field}: {message}", errors=[FieldError(field=field, message=message)]
        )


def _event_key(username: str, idempotency_key: str | None) -> str:
    """Intake's event key: scoped to the caller, so one user's key never replays another's."""
    if not idempotency_key:
        return uuid.uuid4().hex
    return "idem-" + hashlib.sha256(f"{username}\0{idempotency_key}".encode()).hexdigest()


@router.post("/samples/{lab_number}/custody", responses=_ACTION_ERRORS)
async def record_custody(
    lab_number: str,
    body: CustodyIn,
    clients: Clients,
    acting: AsCustodian,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Repeat a movement with the same key: it is recorded once.",
        ),
    ] = None,
) -> CustodyOut:
    """Records a movement of a received sample: to a storage location, handed to an analyst,
    returned, retained, or disposed of. Retaining a part sets its retain-until date and starts
    its disposal reminder. A disposal is a signed act: who disposes gives their password
    (authored) and a witness, another member of staff, gives their login name and password
    (witnessed); before the retention period ends it needs a reason. 401 when a password is
    wrong (recorded, counted to the lockout); 409 when the sample's state does not allow the
    movement (before receipt, after disposal, still with an analyst, ...)."""
    await reads.sample(clients, acting.identity, lab_number)
    if body.kind == "handed_to_analyst" and body.handed_to:
        await _check_person(clients, "handed_to", body.handed_to, Role.ANALYST)
    signers: list[intake_pb2.Signer] = []
    if body.kind == "disposed":
        signers = await _disposal_signers(lab_number, body, clients, acting)
    elif body.witness:
        await _check_person(clients, "witness", body.witness, None)
    trail = await clients.intake.RecordCustody(
        intake_pb2.RecordCustodyRequest(
            lab_number=lab_number,
            actor=_actor(acting),
            kind=str_to_enum(intake_pb2.CustodyKind, body.kind),
            location_code=body.location_code or "",
            handed_to=body.handed_to or "",
            witness=body.witness or "",
            remarks=body.remarks,
            event_key=_event_key(acting.username, idempotency_key),
            signers=signers,
            reason=body.reason,
        )
    )
    if body.kind == "retained":
        await retention.start(clients, lab_number, trail.retain_until)
    elif body.kind == "disposed":
        await retention.disposed(clients, lab_number, acting.actor)
    return custody_out(trail)


async def _disposal_signers(
    lab_number: str, body: CustodyIn, clients: Connections, acting: Acting
) -> list[intake_pb2.Signer]:
    """Re-authenticates who disposes and the witness; their signatures for intake."""
    missing = [
        FieldError(field=name, message="required to sign a disposal")
        for name, value in (
            ("password", body.password),
            ("witness", body.witness),
            ("witness_password", body.witness_password),
        )
        if not value
    ]
    if missing:
        raise Unprocessable("; ".join(f"{e.field}: {e.message}" for e in missing), errors=missing)
    assert body.password and body.witness and body.witness_password
    policy = lockout_policy(clients.settings)
    witness = await confirm_witness(
        clients.db,
        policy,
        body.witness,
        body.witness_password,
        actor=acting.username,
        record_kind=SAMPLE_DISPOSAL,
        record_id=lab_number,
    )
    await confirm_signer(
        clients.db,
        clients.signers,
        acting.identity,
        body.password,
        role=acting.role,
        record_kind=SAMPLE_DISPOSAL,
        record_id=lab_number,
        policy=policy,
    )
    return [
        intake_pb2.Signer(actor=_actor(acting), meaning=common_pb2.SIGNATURE_MEANING_AUTHORED),
        intake_pb2.Signer(
            actor=common_pb2.Actor(
                username=witness.username, full_name=witness.full_name, role="witness"
            ),
            meaning=common_pb2.SIGNATURE_MEANING_WITNESSED,
        ),
    ]


@router.get("/disposals/due", responses=responses(401, 403, 502, 503))
async def list_disposals_due(clients: Clients, _acting: AsCustodian) -> list[SampleSummary]:
    """Samples whose retained part has been kept long enough and awaits disposal, the longest
    due first."""
    found = await clients.intake.ListDisposalDue(intake_pb2.ListDisposalDueRequest())
    return [convert.sample_summary(sample) for sample in found.samples]


@router.get("/storage-locations", responses=responses(401, 403, 502, 503))
async def list_storage_locations(
    clients: Clients,
    _acting: AsStaff,
    include_inactive: Annotated[bool, Query(description="Also the ones out of use.")] = False,
) -> list[StorageLocationOut]:
    """Storage locations by code (those in use unless asked)."""
    found = await clients.intake.ListStorageLocations(
        intake_pb2.ListStorageLocationsRequest(include_inactive=include_inactive)
    )
    return [location_out(location) for location in found.locations]


@router.post(
    "/storage-locations", status_code=201, responses=responses(401, 403, 409, 422, 502, 503)
)
async def create_storage_location(
    body: StorageLocationIn, clients: Clients, acting: AsAdmin
) -> StorageLocationOut:
    """Adds a storage location (409 if another one has the code)."""
    created = await clients.intake.CreateStorageLocation(
        intake_pb2.CreateStorageLocationRequest(
            actor=_actor(acting), code=body.code, name=body.name, conditions=body.conditions
        )
    )
    return location_out(created)


@router.patch("/storage-locations/{code}", responses=_ACTION_ERRORS)
async def update_storage_location(
    code: str, body: StorageLocationPatch, clients: Clients, acting: AsAdmin
) -> StorageLocationOut:
    """Renames a location, changes its conditions, or takes it out of use (or back)."""
    found = await clients.intake.ListStorageLocations(
        intake_pb2.ListStorageLocationsRequest(include_inactive=True)
    )
    current = next((loc for loc in found.locations if loc.code == code.strip().upper()), None)
    if current is None:
        raise Missing(f"no storage location {code}")
    changed = await clients.intake.UpdateStorageLocation(
        intake_pb2.UpdateStorageLocationRequest(
            actor=_actor(acting),
            code=current.code,
            name=body.name if body.name is not None else current.name,
            conditions=body.conditions if body.conditions is not None else current.conditions,
            active=body.active if body.active is not None else current.active,
            reason=body.reason,
        )
    )
    return location_out(changed)


async def sample_page_custody(
    clients: Connections, identity: Identity, lab_number: str
) -> dict[str, Any]:
    """The custody part of the sample page: the trail, the locations a movement may go to, and
    the key of the movement form (staff only: a requester sees none of it)."""
    if not is_staff(identity.roles):
        return {"custody": None, "locations": [], "custody_form_key": ""}
    trail, found = await asyncio.gather(
        clients.intake.ListCustody(intake_pb2.ListCustodyRequest(lab_number=lab_number)),
        clients.intake.ListStorageLocations(intake_pb2.ListStorageLocationsRequest()),
    )
    return {
        "custody": custody_out(trail),
        "locations": [location_out(location) for location in found.locations],
        # The movement form's key: a second click or a reload records the movement once.
        "custody_form_key": uuid.uuid4().hex,
    }
