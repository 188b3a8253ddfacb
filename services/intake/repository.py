"""Every query intake makes."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from services.intake.domain import NOT_OVERDUE, Priority, Purpose, SampleFilter, SampleSort
from services.intake.models import (
    Counter,
    CustodyEvent,
    Holiday,
    LabCalendar,
    Notification,
    OutboxEmail,
    Request,
    Sample,
    SampleEvent,
    StorageLocation,
    TurnaroundTarget,
)
from services.intake.outbox import EmailStatus
from services.intake.turnaround import Target, WorkingCalendar, default_targets, parse_weekdays


def lock_counter(session: Session, name: str, year: int) -> int:
    """Creates the counter if needed and locks its row until the transaction ends; its value.

    On PostgreSQL the row lock queues concurrent allocators; on SQLite the write transaction
    (BEGIN IMMEDIATE) already holds the database's single write lock."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(Counter).values(name=name, year=year, value=0).on_conflict_do_nothing())
    value = session.scalar(
        select(Counter.value).where(Counter.name == name, Counter.year == year).with_for_update()
    )
    assert value is not None, "the counter row was just ensured"
    return value


def advance_counter(session: Session, name: str, year: int, by: int) -> int:
    """Adds `by` to a counter locked by lock_counter; the new last number."""
    value: int | None = session.scalar(
        update(Counter)
        .where(Counter.name == name, Counter.year == year)
        .values(value=Counter.value + by)
        .returning(Counter.value)
    )
    assert value is not None, "lock_counter created the row"
    return value


def request_by_key(session: Session, request_key: str) -> Request | None:
    """The request created with this idempotency key, with its samples and their timelines."""
    return session.scalar(
        select(Request)
        .where(Request.request_key == request_key)
        .options(selectinload(Request.samples).selectinload(Sample.events))
    )


# Built once: the hottest reads (every step of every sample's lifecycle makes them).
_SAMPLE = select(Sample).where(Sample.lab_number == bindparam("lab_number"))
_SAMPLE_FOR_UPDATE = _SAMPLE.with_for_update()
# One sample and its few dozen events load in one joined query.
_SAMPLE_WITH_TIMELINE = _SAMPLE.options(joinedload(Sample.events)).execution_options(
    populate_existing=True
)
_EVENT_KEY = select(SampleEvent.id).where(
    SampleEvent.sample_id == bindparam("sample_id"),
    SampleEvent.event_key == bindparam("event_key"),
)


def sample_by_lab_number(
    session: Session, lab_number: str, *, for_update: bool = False
) -> Sample | None:
    """One sample by lab number; `for_update` locks its row so changes to it queue."""
    query = _SAMPLE_FOR_UPDATE if for_update else _SAMPLE
    return session.scalar(query, {"lab_number": lab_number})


def sample_with_timeline(session: Session, lab_number: str) -> Sample | None:
    """One sample with its timeline loaded fresh (oldest first)."""
    found = session.execute(_SAMPLE_WITH_TIMELINE, {"lab_number": lab_number})
    return found.unique().scalar_one_or_none()


def event_key_used(session: Session, sample_id: int, event_key: str) -> bool:
    """Whether an event with this key was already applied to the sample."""
    found = session.scalar(_EVENT_KEY, {"sample_id": sample_id, "event_key": event_key})
    return found is not None


def _conditions(spec: SampleFilter, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if spec.statuses:
        conditions.append(Sample.status.in_(spec.statuses))
    if spec.purpose is not None:
        conditions.append(Sample.purpose == spec.purpose)
    if spec.requester:
        conditions.append(Sample.requester == spec.requester)
    if spec.overdue:
        conditions.append(and_(Sample.sla_due_at < now, Sample.status.not_in(sorted(NOT_OVERDUE))))
    if spec.text:
        conditions.append(Sample.search_text.contains(spec.text.lower(), autoescape=True))
    return conditions


# Each order ends on the id, so equal keys keep one order and pages neither repeat nor skip
# a sample; each matches an index read in one direction, so a page needs no sort (see models).
_ORDERS: dict[SampleSort, tuple[ColumnElement[Any], ...]] = {
    # Ids grow with creation (creations are serialised by the number counter), so id order
    # is creation order and the primary key serves it.
    SampleSort.NEWEST: (Sample.id.desc(),),
    SampleSort.OLDEST: (Sample.id.asc(),),
    SampleSort.DUE: (Sample.sla_due_at.asc().nulls_last(), Sample.id.asc()),
    SampleSort.PRODUCT: (Sample.product_name.asc(), Sample.id.desc()),
}


def page_query(spec: SampleFilter, now: datetime) -> Select[Sample]:
    """The query of one page of matching samples, in the order asked (tests EXPLAIN it)."""
    return (
        select(Sample)
        .where(*_conditions(spec, now))
        .order_by(*_ORDERS[spec.sort])
        .limit(spec.page_size)
        .offset(spec.offset)
    )


def list_samples(session: Session, spec: SampleFilter, now: datetime) -> tuple[list[Sample], int]:
    """One page of matching samples, in the order asked, and how many match in all."""
    conditions = _conditions(spec, now)
    total = session.scalar(select(func.count()).select_from(Sample).where(*conditions))
    return list(session.scalars(page_query(spec, now))), total or 0


def location_by_code(session: Session, code: str) -> StorageLocation | None:
    """One storage location by its code."""
    return session.scalar(select(StorageLocation).where(StorageLocation.code == code))


def list_locations(session: Session, *, include_inactive: bool) -> list[StorageLocation]:
    """Storage locations by code; the ones out of use only when asked."""
    query = select(StorageLocation).order_by(StorageLocation.code)
    if not include_inactive:
        query = query.where(StorageLocation.active.is_(True))
    return list(session.scalars(query))


def custody_events(session: Session, sample_id: int) -> list[CustodyEvent]:
    """A sample's movements, oldest first (in the order recorded), with their locations."""
    return list(
        session.scalars(
            select(CustodyEvent)
            .where(CustodyEvent.sample_id == sample_id)
            .options(joinedload(CustodyEvent.location), selectinload(CustodyEvent.signatures))
            .order_by(CustodyEvent.id)
        )
    )


def last_custody_event(session: Session, sample_id: int) -> CustodyEvent | None:
    """A sample's latest movement: where it is now (None before the first)."""
    return session.scalar(
        select(CustodyEvent)
        .where(CustodyEvent.sample_id == sample_id)
        .options(joinedload(CustodyEvent.location))
        .order_by(CustodyEvent.id.desc())
        .limit(1)
    )


def custody_key_used(session: Session, sample_id: int, event_key: str) -> bool:
    """Whether a movement with this key was already recorded for the sample."""
    found = session.scalar(
        select(CustodyEvent.id).where(
            CustodyEvent.sample_id == sample_id, CustodyEvent.event_key == event_key
        )
    )
    return found is not None


def turnaround_targets(session: Session) -> list[TurnaroundTarget]:
    """Every configured target (the order of the page is the caller's)."""
    return list(session.scalars(select(TurnaroundTarget)))


def turnaround_target(
    session: Session, purpose: Purpose, priority: Priority, *, for_update: bool = False
) -> TurnaroundTarget | None:
    """The target of one purpose and priority; `for_update` queues concurrent edits of it."""
    query = select(TurnaroundTarget).where(
        TurnaroundTarget.purpose == purpose, TurnaroundTarget.priority == priority
    )
    return session.scalar(query.with_for_update() if for_update else query)


def lab_calendar(session: Session, *, for_update: bool = False) -> LabCalendar | None:
    """The lab's working week (the one row the migration created)."""
    query = select(LabCalendar).where(LabCalendar.id == 1)
    return session.scalar(query.with_for_update() if for_update else query)


def holidays(session: Session) -> list[Holiday]:
    """Every non-working date, earliest first."""
    return list(session.scalars(select(Holiday).order_by(Holiday.day)))


def holiday(session: Session, day: date) -> Holiday | None:
    """The non-working date `day`, if listed."""
    return session.get(Holiday, day)


def target_in_force(session: Session, purpose: Purpose, priority: Priority) -> Target:
    """The target a sample of this purpose and priority gets now (the default if none is set)."""
    row = turnaround_target(session, purpose, priority)
    if row is None:
        return default_targets()[(purpose, priority)]
    return Target(row.days, row.basis)


def working_calendar(session: Session) -> WorkingCalendar:
    """The lab calendar now: its working weekdays and non-working dates."""
    row = lab_calendar(session)
    days = session.scalars(select(Holiday.day))
    if row is None:
        return WorkingCalendar(holidays=frozenset(days))
    return WorkingCalendar(parse_weekdays(row.working_weekdays), frozenset(days))


def disposal_due(session: Session, limit: int) -> list[Sample]:
    """Samples whose disposal is due and not recorded, the longest due first."""
    return list(
        session.scalars(
            select(Sample)
            .where(Sample.disposal_due_at.is_not(None), Sample.disposed_at.is_(None))
            .order_by(Sample.retain_until, Sample.id)
            .limit(limit)
        )
    )


def notification_by_key(session: Session, key: str) -> Notification | None:
    """The notification written with this idempotency key."""
    return session.scalar(select(Notification).where(Notification.notification_key == key))


def _addressed_to(username: str, roles: list[str]) -> ColumnElement[bool]:
    mine = Notification.recipient_user == username
    return or_(mine, Notification.recipient_role.in_(roles)) if roles else mine


def notifications_for(
    session: Session, username: str, roles: list[str], limit: int
) -> tuple[list[Notification], int]:
    """A user's notifications (theirs and their roles'), unread first then newest first, and
    how many are unread in all."""
    addressed = _addressed_to(username, roles)
    found = session.scalars(
        select(Notification)
        .where(addressed)
        .order_by(Notification.read_at.is_not(None), Notification.id.desc())
        .limit(limit)
    )
    unread = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(addressed, Notification.read_at.is_(None))
    )
    return list(found), unread or 0


def notification_for(
    session: Session, notification_id: int, username: str, roles: list[str]
) -> Notification | None:
    """One notification, if it is addressed to this user or one of their roles (locked)."""
    return session.scalar(
        select(Notification)
        .where(Notification.id == notification_id, _addressed_to(username, roles))
        .with_for_update()
    )


def email_by_key(session: Session, key: str, *, lock: bool = False) -> OutboxEmail | None:
    """The outbox e-mail written with this idempotency key; `lock` holds its row until the
    transaction ends, so two deliveries of the same e-mail are recorded one after the other."""
    query = select(OutboxEmail).where(OutboxEmail.notification_key == key)
    return session.scalar(query.with_for_update() if lock else query)


def outbox(
    session: Session, statuses: list[EmailStatus], limit: int
) -> tuple[list[OutboxEmail], int]:
    """The newest outbox e-mails in these statuses (all when empty), and how many match."""
    where = [OutboxEmail.status.in_(statuses)] if statuses else []
    found = session.scalars(
        select(OutboxEmail).where(*where).order_by(OutboxEmail.id.desc()).limit(limit)
    )
    total = session.scalar(select(func.count()).select_from(OutboxEmail).where(*where))
    return list(found), total or 0
