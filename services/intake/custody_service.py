"""Chain-of-custody use cases: storage locations, and the movements of a sample. Like service.py,
each takes the caller's session, flushes and never commits, and audits every change in it."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kernel.audit import Who
from kernel.errors import AlreadyExists, InvalidArgument, NotFound
from kernel.signed_content import content_hash, disposal_text
from kernel.timefmt import to_iso_date, to_rfc3339, utcnow
from services.intake import repository
from services.intake.custody import (
    Custody,
    CustodyKind,
    Movement,
    check_location_usable,
    check_movement,
    custody_detail,
    parse_kind,
    validate_location,
    validate_movement,
)
from services.intake.domain import parse_time
from services.intake.models import CustodyEvent, CustodySignature, Sample, StorageLocation
from services.intake.retention import (
    DEFAULT_RETENTION_DAYS,
    Signer,
    check_disposal,
    retain_until,
)
from services.intake.service import write_audit


@dataclass(frozen=True)
class CustodyTrail:
    """A sample's movements, oldest first, and where they leave it."""

    sample: Sample
    events: list[CustodyEvent]

    @property
    def current(self) -> Custody:
        """Where the sample is now."""
        return custody_after(self.events[-1] if self.events else None)

    @property
    def location(self) -> StorageLocation | None:
        """The location the sample is kept at now, if any."""
        return self.events[-1].location if self.events else None


def _movement(event: CustodyEvent) -> Movement:
    location = event.location.code if event.location is not None else ""
    return Movement(event.kind, location, event.handed_to, event.witness, event.remarks)


def custody_after(event: CustodyEvent | None) -> Custody:
    """Where a movement left the sample (at reception before the first)."""
    return Custody() if event is None else _movement(event).after(Custody())


def _location_values(location: StorageLocation) -> dict[str, Any]:
    return {
        "code": location.code,
        "name": location.name,
        "conditions": location.conditions,
        "active": location.active,
    }


def _custody_values(custody: Custody) -> dict[str, str]:
    return {
        "custody": custody.state.value,
        "location_code": custody.location_code,
        "handed_to": custody.handed_to,
    }


def _actor(who: Who) -> None:
    if not who.username.strip():
        raise InvalidArgument("actor.username: required (who makes the change)")


def create_storage_location(
    session: Session, who: Who, *, code: str, name: str, conditions: str, active: bool = True
) -> StorageLocation:
    """Adds a storage location. Asking again for the same one returns it; another one with the
    same code is refused (ALREADY_EXISTS)."""
    _actor(who)
    draft = validate_location(code, name, conditions, active)
    existing = repository.location_by_code(session, draft.code)
    if existing is not None:
        if (existing.name, existing.conditions, existing.active) == (
            draft.name,
            draft.conditions,
            draft.active,
        ):
            return existing
        raise AlreadyExists(f"code: a storage location {draft.code} exists already")
    location = StorageLocation(
        code=draft.code,
        name=draft.name,
        conditions=draft.conditions,
        active=draft.active,
        created_at=utcnow(),
    )
    session.add(location)
    session.flush()
    write_audit(
        session,
        who,
        "storage_location_created",
        "storage_location",
        location.code,
        new=_location_values(location),
    )
    return location


def update_storage_location(
    session: Session,
    who: Who,
    *,
    code: str,
    name: str,
    conditions: str,
    active: bool,
    reason: str = "",
) -> StorageLocation:
    """Changes a location's name, conditions, or whether it is in use (never its code)."""
    _actor(who)
    draft = validate_location(code, name, conditions, active)
    location = repository.location_by_code(session, draft.code)
    if location is None:
        raise NotFound(f"code: no storage location {draft.code}")
    old = _location_values(location)
    location.name, location.conditions, location.active = draft.name, draft.conditions, active
    new = _location_values(location)
    if new != old:
        session.flush()
        write_audit(
            session,
            who,
            "storage_location_changed",
            "storage_location",
            location.code,
            old=old,
            new=new,
            reason=reason.strip(),
        )
    return location


def list_storage_locations(session: Session, *, include_inactive: bool) -> list[StorageLocation]:
    """Storage locations by code (those in use, unless asked for all)."""
    return repository.list_locations(session, include_inactive=include_inactive)


def _sample(session: Session, lab_number: str, *, for_update: bool) -> Sample:
    lab_number = lab_number.strip()
    if not lab_number:
        raise InvalidArgument("lab_number: required")
    sample = repository.sample_by_lab_number(session, lab_number, for_update=for_update)
    if sample is None:
        raise NotFound(f"lab_number: no sample {lab_number!r}")
    return sample


def list_custody(session: Session, lab_number: str) -> CustodyTrail:
    """A sample's movements, oldest first, and where it is now."""
    sample = _sample(session, lab_number, for_update=False)
    return CustodyTrail(sample, repository.custody_events(session, sample.id))


def _key(event_key: str) -> str:
    event_key = event_key.strip()
    if not event_key:
        raise InvalidArgument("event_key: required (the caller's idempotency key)")
    if len(event_key) > 200:
        raise InvalidArgument(f"event_key: at most 200 characters (got {len(event_key)})")
    return event_key


def record_custody(
    session: Session,
    lab_number: str,
    who: Who,
    *,
    kind: str,
    event_key: str,
    location_code: str = "",
    handed_to: str = "",
    witness: str = "",
    remarks: str = "",
    at: str = "",
    signers: tuple[Signer, ...] = (),
    reason: str = "",
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> CustodyTrail:
    """Records a movement of a received sample; a known event_key records nothing again.

    Retaining a part sets the sample's retain-until date (the first retention only: moving
    the retained part later keeps it). A disposal is signed by who does it and its witness
    (`signers`, re-authenticated by the caller) and, before the retention ends, has a reason."""
    movement = validate_movement(
        parse_kind(kind),
        actor=who.username,
        location_code=location_code,
        handed_to=handed_to,
        witness=witness,
        remarks=remarks,
    )
    key = _key(event_key)
    reason = reason.strip()
    if movement.kind is not CustodyKind.DISPOSED and (signers or reason):
        raise InvalidArgument("signers, reason: only a disposal is signed and gives a reason")
    when = parse_time("at", at) or utcnow()
    # The row lock queues concurrent movements of one sample: each sees the one before.
    sample = _sample(session, lab_number, for_update=True)
    if repository.custody_key_used(session, sample.id, key):
        return list_custody(session, sample.lab_number)
    last = repository.last_custody_event(session, sample.id)
    before = custody_after(last)
    location = None
    if movement.location_code:
        location = repository.location_by_code(session, movement.location_code)
        if location is None:
            raise NotFound(f"location_code: no storage location {movement.location_code}")
    check_movement(sample.lab_number, sample.status, before, movement)
    if location is not None:
        check_location_usable(location.code, location.active)
    if movement.kind is CustodyKind.DISPOSED:
        check_disposal(
            actor=who.username,
            witness=movement.witness,
            signers=list(signers),
            reason=reason,
            until=sample.retain_until,
            today=when.date(),
            reminded=sample.disposal_due_at is not None,
        )
    retained_until = sample.retain_until
    if movement.kind is CustodyKind.RETAINED and sample.retain_until is None:
        sample.retain_until = retain_until(sample.expiry_date, when.date(), retention_days)
    event = CustodyEvent(
        sample_id=sample.id,
        kind=movement.kind,
        location=location,
        handed_to=movement.handed_to,
        witness=movement.witness,
        remarks=movement.remarks,
        at=when,
        username=who.username,
        full_name=who.full_name,
        role=who.role,
        event_key=key,
        reason=reason,
    )
    session.add(event)
    session.flush()
    old: dict[str, Any] = _custody_values(before)
    new: dict[str, Any] = _custody_values(movement.after(before))
    new.update(movement=movement.kind.value, at=to_rfc3339(when))
    if location is not None:
        new.update(location_name=location.name, location_conditions=location.conditions)
    if sample.retain_until != retained_until:
        old["retain_until"] = to_iso_date(retained_until)
        new["retain_until"] = to_iso_date(sample.retain_until)
    if movement.kind is CustodyKind.DISPOSED:
        sample.disposed_at = when
        new.update(witness=movement.witness, reason=reason)
        new["signatures"] = _sign(session, event, sample.lab_number, before, signers, who)
    write_audit(
        session,
        who,
        f"custody_{movement.kind.value}",
        "sample",
        sample.lab_number,
        old=old,
        new=new,
        reason=reason or movement.remarks,
    )
    return list_custody(session, sample.lab_number)


def signed_text(lab_number: str, event: CustodyEvent, kept_at: str) -> str:
    """The text a disposal's signatures sign, from the record as it reads now."""
    return disposal_text(
        lab_number=lab_number,
        location_code=kept_at,
        remarks=event.remarks,
        reason=event.reason,
        at=to_rfc3339(event.at),
    )


def _sign(
    session: Session,
    event: CustodyEvent,
    lab_number: str,
    before: Custody,
    signers: tuple[Signer, ...],
    who: Who,
) -> list[dict[str, str]]:
    """Stores the disposal's signatures; what the audit entry records of them."""
    signed = content_hash(signed_text(lab_number, event, before.location_code))
    rows = [
        CustodySignature(
            custody_event_id=event.id,
            username=signer.username,
            full_name=signer.full_name,
            # The witness signs under no role of this act; the person disposing under theirs.
            role=who.role if signer.username == who.username else "",
            meaning=signer.meaning,
            signed_at=event.at,
            content_hash=signed,
        )
        for signer in signers
    ]
    session.add_all(rows)
    session.flush()
    return [
        {"username": r.username, "full_name": r.full_name, "meaning": r.meaning, "hash": signed}
        for r in rows
    ]


def describe(event: CustodyEvent) -> str:
    """Timeline text of a recorded movement."""
    return custody_detail(_movement(event), event.location.name if event.location else "")
