"""IntakeService over gRPC: proto <-> use cases, one transaction per call."""

import grpc
from sqlalchemy.orm import Session

from kernel.db import Database
from kernel.proto_enums import str_to_enum
from kernel.signed_content import SAMPLE_DISPOSAL
from kernel.timefmt import to_iso_date, to_rfc3339
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2, intake_pb2_grpc
from services.intake import (
    custody_service,
    notification_service,
    outbox_grpc,
    retention_service,
    service,
    turnaround_grpc,
)
from services.intake.custody_service import CustodyTrail, describe
from services.intake.domain import NewRequest, NewSample, sample_filter
from services.intake.models import (
    CustodyEvent,
    CustodySignature,
    Notification,
    Request,
    Sample,
    SampleEvent,
    StorageLocation,
)
from services.intake.receipt import covers
from services.intake.retention import DEFAULT_RETENTION_DAYS, Recipient, Signer
from services.intake.service import Numbering, ReceiptChecks
from services.intake.wire import enum_text as _enum_text
from services.intake.wire import who as _who


def _event_to_proto(event: SampleEvent) -> common_pb2.Event:
    return common_pb2.Event(
        at=to_rfc3339(event.at),
        actor=common_pb2.Actor(username=event.username, full_name=event.full_name, role=event.role),
        action=event.action,
        detail=event.detail,
    )


def sample_to_proto(sample: Sample, *, timeline: bool) -> intake_pb2.Sample:
    """The wire form of a sample; `timeline` only when its events were loaded."""
    message = intake_pb2.Sample(
        lab_number=sample.lab_number,
        request_id=sample.request_id,
        purpose=str_to_enum(common_pb2.Purpose, sample.purpose.value),
        priority=str_to_enum(common_pb2.Priority, sample.priority.value),
        requester=sample.requester,
        requester_organisation=sample.requester_organisation,
        external_reference=sample.external_reference,
        product_code=sample.product_code,
        product_name=sample.product_name,
        batch_number=sample.batch_number,
        manufacturer=sample.manufacturer,
        manufacture_date=to_iso_date(sample.manufacture_date),
        expiry_date=to_iso_date(sample.expiry_date),
        quantity=sample.quantity,
        quantity_unit=sample.quantity_unit,
        product_category=str_to_enum(intake_pb2.ProductCategory, sample.product_category.value),
        inns=sample.inns,
        dosage_form=sample.dosage_form,
        strength=sample.strength,
        pack=sample.pack,
        marketing_authorisation_holder=sample.marketing_authorisation_holder,
        storage_conditions=sample.storage_conditions,
        status=str_to_enum(common_pb2.SampleStatus, sample.status.value),
        status_before_hold=str_to_enum(
            common_pb2.SampleStatus,
            sample.status_before_hold.value if sample.status_before_hold else "",
        ),
        condition_on_receipt=sample.condition_on_receipt,
        quantity_received=sample.quantity_received,
        received_at=to_rfc3339(sample.received_at),
        rejection_reason=sample.rejection_reason,
        seals_intact=bool(sample.seals_intact),
        labelling_legible=bool(sample.labelling_legible),
        temperature_on_arrival=sample.temperature_on_arrival,
        quantity_required=sample.quantity_required,
        quantity_sufficient=covers(sample.quantity_received, sample.quantity_required),
        insufficient_quantity_reason=sample.insufficient_quantity_reason,
        sla_target_days=sample.sla_target_days,
        sla_basis=str_to_enum(intake_pb2.TurnaroundBasis, sample.sla_basis.value),
        sla_target_seconds=sample.sla_target_seconds,
        sla_due_at=to_rfc3339(sample.sla_due_at),
        sla_warning_at=to_rfc3339(sample.sla_warning_at),
        sla_breached_at=to_rfc3339(sample.sla_breached_at),
        created_at=to_rfc3339(sample.created_at),
        retain_until=to_iso_date(sample.retain_until),
        disposal_due_at=to_rfc3339(sample.disposal_due_at),
        disposed_at=to_rfc3339(sample.disposed_at),
        contact_name=sample.contact_name,
        contact_email=sample.contact_email,
        contact_phone=sample.contact_phone,
    )
    if timeline:
        message.timeline.extend(_event_to_proto(event) for event in sample.events)
    return message


def request_to_proto(request: Request) -> intake_pb2.Request:
    """The wire form of a request with its samples and their timelines."""
    return intake_pb2.Request(
        request_id=request.request_id,
        purpose=str_to_enum(common_pb2.Purpose, request.purpose.value),
        priority=str_to_enum(common_pb2.Priority, request.priority.value),
        requester=request.requester,
        requester_organisation=request.requester_organisation,
        external_reference=request.external_reference,
        created_by=common_pb2.Actor(
            username=request.created_by_username,
            full_name=request.created_by_full_name,
            role=request.created_by_role,
        ),
        created_at=to_rfc3339(request.created_at),
        samples=[sample_to_proto(sample, timeline=True) for sample in request.samples],
        contact_name=request.contact_name,
        contact_email=request.contact_email,
        contact_phone=request.contact_phone,
    )


def _new_request(message: intake_pb2.CreateRequestRequest) -> NewRequest:
    return NewRequest(
        request_key=message.request_key,
        purpose=_enum_text(common_pb2.Purpose, message.purpose, "purpose"),
        priority=_enum_text(common_pb2.Priority, message.priority, "priority"),
        requester=message.requester,
        requester_organisation=message.requester_organisation,
        external_reference=message.external_reference,
        contact_name=message.contact_name,
        contact_email=message.contact_email,
        contact_phone=message.contact_phone,
        samples=tuple(
            NewSample(
                product_code=s.product_code,
                product_name=s.product_name,
                batch_number=s.batch_number,
                manufacturer=s.manufacturer,
                manufacture_date=s.manufacture_date,
                expiry_date=s.expiry_date,
                quantity=s.quantity,
                quantity_unit=s.quantity_unit,
                product_category=_enum_text(
                    intake_pb2.ProductCategory, s.product_category, f"samples[{i}].product_category"
                ),
                inns=s.inns,
                dosage_form=s.dosage_form,
                strength=s.strength,
                pack=s.pack,
                marketing_authorisation_holder=s.marketing_authorisation_holder,
                storage_conditions=s.storage_conditions,
            )
            for i, s in enumerate(message.samples)
        ),
    )


class IntakeServicer(intake_pb2_grpc.IntakeServiceServicer):
    """Each call runs its use case and proto conversion in one transaction in a worker thread:
    the edge owns the transaction, the use case only flushes, and every ORM attribute is read
    in the thread that owns the session."""

    def __init__(
        self, db: Database, numbering: Numbering, retention_days: int = DEFAULT_RETENTION_DAYS
    ) -> None:
        self._db = db
        self._numbering = numbering
        self._retention_days = retention_days

    async def CreateRequest(
        self, request: intake_pb2.CreateRequestRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.Request:
        """Logs a request with its samples; idempotent on request_key."""
        return await self._db.write_call(self._create_request, request)

    async def GetSample(
        self, request: intake_pb2.GetSampleRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.Sample:
        """One sample with its timeline."""
        return await self._db.read_call(_get_sample, request)

    async def ListSamples(
        self, request: intake_pb2.ListSamplesRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListSamplesResponse:
        """A page of samples, newest first, without timelines."""
        return await self._db.read_call(_list_samples, request)

    async def RecordReceipt(
        self, request: intake_pb2.RecordReceiptRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.Sample:
        """Receipt check: received or rejected; a repeat of the recorded decision is a no-op."""
        return await self._db.write_call(self._record_receipt, request)

    async def RecordStatus(
        self, request: intake_pb2.RecordStatusRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.Sample:
        """A lifecycle transition decided by the workflow; idempotent on event_key."""
        return await self._db.write_call(_record_status, request)

    async def RecordSlaEvent(
        self, request: intake_pb2.RecordSlaEventRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.Sample:
        """An SLA mark (due time set, warning, breach); idempotent on event_key."""
        return await self._db.write_call(_record_sla_event, request)

    async def RecordCustody(
        self, request: intake_pb2.RecordCustodyRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.CustodyTrail:
        """A movement of a received sample; idempotent on event_key."""
        return await self._db.write_call(self._record_custody, request)

    async def ListCustody(
        self, request: intake_pb2.ListCustodyRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.CustodyTrail:
        """A sample's movements, oldest first, and where it is now."""
        return await self._db.read_call(_list_custody, request)

    async def CreateStorageLocation(
        self, request: intake_pb2.CreateStorageLocationRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.StorageLocation:
        """Adds a storage location (the same one asked again is returned)."""
        return await self._db.write_call(_create_location, request)

    async def UpdateStorageLocation(
        self, request: intake_pb2.UpdateStorageLocationRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.StorageLocation:
        """Changes a location's name, conditions or whether it is in use."""
        return await self._db.write_call(_update_location, request)

    async def ListStorageLocations(
        self, request: intake_pb2.ListStorageLocationsRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListStorageLocationsResponse:
        """Storage locations by code."""
        return await self._db.read_call(_list_locations, request)

    async def GetTurnaroundSettings(
        self, request: intake_pb2.GetTurnaroundSettingsRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.TurnaroundSettings:
        """Every turnaround target and the lab calendar."""
        return await self._db.read_call(turnaround_grpc.get_settings, request)

    async def SetTurnaroundTarget(
        self, request: intake_pb2.SetTurnaroundTargetRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.TurnaroundSettings:
        """Changes one target, for samples received from then on."""
        return await self._db.write_call(turnaround_grpc.set_target, request)

    async def SetWorkingWeekdays(
        self, request: intake_pb2.SetWorkingWeekdaysRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.TurnaroundSettings:
        """Changes the lab's working weekdays."""
        return await self._db.write_call(turnaround_grpc.set_weekdays, request)

    async def AddHoliday(
        self, request: intake_pb2.AddHolidayRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.TurnaroundSettings:
        """Adds a non-working date."""
        return await self._db.write_call(turnaround_grpc.add_holiday, request)

    async def RemoveHoliday(
        self, request: intake_pb2.RemoveHolidayRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.TurnaroundSettings:
        """Removes a non-working date."""
        return await self._db.write_call(turnaround_grpc.remove_holiday, request)

    async def MarkDisposalDue(
        self, request: intake_pb2.MarkDisposalDueRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.Sample:
        """The disposal reminder fell: marks the sample and notifies reception; idempotent."""
        return await self._db.write_call(_mark_disposal_due, request)

    async def ListDisposalDue(
        self, request: intake_pb2.ListDisposalDueRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListSamplesResponse:
        """Samples due for disposal, the longest due first."""
        return await self._db.read_call(_list_disposal_due, request)

    async def CreateNotifications(
        self, request: intake_pb2.CreateNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.CreateNotificationsResponse:
        """One notification per recipient; idempotent on notification_key."""
        return await self._db.write_call(_create_notifications, request)

    async def ListNotifications(
        self, request: intake_pb2.ListNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListNotificationsResponse:
        """A user's notifications and their roles', unread first."""
        return await self._db.read_call(_list_notifications, request)

    async def MarkNotificationRead(
        self, request: intake_pb2.MarkNotificationReadRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.Notification:
        """Marks one of the user's notifications read."""
        return await self._db.write_call(_mark_read, request)

    async def QueueRejectionNotice(
        self, request: intake_pb2.QueueRejectionNoticeRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.QueueRejectionNoticeResponse:
        """The rejection notice to the request's contact, in the outbox; idempotent on the key."""
        return await self._db.write_call(outbox_grpc.queue_rejection_notice, request)

    async def RecordEmailDelivery(
        self, request: intake_pb2.RecordEmailDeliveryRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.OutboxEmail:
        """Records an attempt to send an outbox e-mail."""
        return await self._db.write_call(outbox_grpc.record_delivery, request)

    async def ListOutbox(
        self, request: intake_pb2.ListOutboxRequest, context: grpc.aio.ServicerContext
    ) -> intake_pb2.ListOutboxResponse:
        """The newest outbox e-mails."""
        return await self._db.read_call(outbox_grpc.list_outbox, request)

    def _record_custody(
        self, session: Session, request: intake_pb2.RecordCustodyRequest
    ) -> intake_pb2.CustodyTrail:
        trail = custody_service.record_custody(
            session,
            request.lab_number,
            _who(request.actor),
            kind=_enum_text(intake_pb2.CustodyKind, request.kind, "kind"),
            event_key=request.event_key,
            location_code=request.location_code,
            handed_to=request.handed_to,
            witness=request.witness,
            remarks=request.remarks,
            at=request.at,
            signers=tuple(
                Signer(
                    signer.actor.username.strip(),
                    signer.actor.full_name.strip(),
                    _enum_text(common_pb2.SignatureMeaning, signer.meaning, f"signers[{i}]"),
                )
                for i, signer in enumerate(request.signers)
            ),
            reason=request.reason,
            retention_days=self._retention_days,
        )
        return trail_to_proto(trail)

    def _create_request(
        self, session: Session, request: intake_pb2.CreateRequestRequest
    ) -> intake_pb2.Request:
        created = service.create_request(
            session, _new_request(request), _who(request.actor), self._numbering
        )
        return request_to_proto(created)

    def _record_receipt(
        self, session: Session, request: intake_pb2.RecordReceiptRequest
    ) -> intake_pb2.Sample:
        sample = service.record_receipt(
            session,
            request.lab_number,
            _who(request.actor),
            accepted=request.accepted,
            condition=request.condition,
            quantity_received=request.quantity_received,
            reason=request.reason,
            at=request.at,
            checks=ReceiptChecks(
                seals_intact=request.seals_intact,
                labelling_legible=request.labelling_legible,
                temperature_on_arrival=request.temperature_on_arrival,
                units_per_analysis=request.units_per_analysis,
                accept_insufficient_quantity=request.accept_insufficient_quantity,
            ),
            timezone=self._numbering.timezone,
        )
        return sample_to_proto(sample, timeline=True)


def _get_sample(session: Session, request: intake_pb2.GetSampleRequest) -> intake_pb2.Sample:
    return sample_to_proto(service.get_sample(session, request.lab_number), timeline=True)


def _list_samples(
    session: Session, request: intake_pb2.ListSamplesRequest
) -> intake_pb2.ListSamplesResponse:
    spec = sample_filter(
        statuses=[
            _enum_text(common_pb2.SampleStatus, status, f"statuses[{i}]")
            for i, status in enumerate(request.statuses)
        ],
        purpose=_enum_text(common_pb2.Purpose, request.purpose, "purpose"),
        overdue=request.overdue,
        text=request.text,
        requester=request.requester,
        page_size=request.page_size,
        offset=request.offset,
        sort=_enum_text(intake_pb2.SampleSort, request.sort, "sort"),
    )
    samples, total = service.list_samples(session, spec)
    return intake_pb2.ListSamplesResponse(
        samples=[sample_to_proto(sample, timeline=False) for sample in samples], total=total
    )


def _record_status(session: Session, request: intake_pb2.RecordStatusRequest) -> intake_pb2.Sample:
    sample = service.record_status(
        session,
        request.lab_number,
        _who(request.actor),
        status=_enum_text(common_pb2.SampleStatus, request.status, "status"),
        reason=request.reason,
        event_key=request.event_key,
        at=request.at,
    )
    return sample_to_proto(sample, timeline=True)


def _record_sla_event(
    session: Session, request: intake_pb2.RecordSlaEventRequest
) -> intake_pb2.Sample:
    sample = service.record_sla_event(
        session,
        request.lab_number,
        kind=_enum_text(intake_pb2.SlaEventKind, request.kind, "kind"),
        event_key=request.event_key,
        at=request.at,
        due_at=request.due_at,
    )
    return sample_to_proto(sample, timeline=True)


def location_to_proto(location: StorageLocation) -> intake_pb2.StorageLocation:
    """The wire form of a storage location."""
    return intake_pb2.StorageLocation(
        code=location.code,
        name=location.name,
        conditions=location.conditions,
        active=location.active,
        created_at=to_rfc3339(location.created_at),
    )


def _signature_to_proto(signature: CustodySignature, lab_number: str) -> common_pb2.Signature:
    return common_pb2.Signature(
        signature_id=str(signature.id),
        username=signature.username,
        full_name=signature.full_name,
        meaning=str_to_enum(common_pb2.SignatureMeaning, signature.meaning),
        signed_at=to_rfc3339(signature.signed_at),
        content_hash=signature.content_hash,
        record_kind=SAMPLE_DISPOSAL,
        record_id=lab_number,
        lab_number=lab_number,
    )


def _custody_event_to_proto(event: CustodyEvent, lab_number: str) -> intake_pb2.CustodyEvent:
    message = intake_pb2.CustodyEvent(
        kind=str_to_enum(intake_pb2.CustodyKind, event.kind.value),
        handed_to=event.handed_to,
        witness=event.witness,
        remarks=event.remarks,
        at=to_rfc3339(event.at),
        actor=common_pb2.Actor(username=event.username, full_name=event.full_name, role=event.role),
        detail=describe(event),
        reason=event.reason,
        signatures=[_signature_to_proto(s, lab_number) for s in event.signatures],
    )
    if event.location is not None:
        message.location.CopyFrom(location_to_proto(event.location))
    return message


def trail_to_proto(trail: CustodyTrail) -> intake_pb2.CustodyTrail:
    """The wire form of a sample's chain of custody."""
    current = trail.current
    message = intake_pb2.CustodyTrail(
        lab_number=trail.sample.lab_number,
        status=str_to_enum(common_pb2.SampleStatus, trail.sample.status.value),
        events=[_custody_event_to_proto(event, trail.sample.lab_number) for event in trail.events],
        state=str_to_enum(intake_pb2.CustodyState, current.state.value),
        holder=current.handed_to,
        retain_until=to_iso_date(trail.sample.retain_until),
    )
    if trail.location is not None:
        message.location.CopyFrom(location_to_proto(trail.location))
    return message


def _list_custody(
    session: Session, request: intake_pb2.ListCustodyRequest
) -> intake_pb2.CustodyTrail:
    return trail_to_proto(custody_service.list_custody(session, request.lab_number))


def _create_location(
    session: Session, request: intake_pb2.CreateStorageLocationRequest
) -> intake_pb2.StorageLocation:
    location = custody_service.create_storage_location(
        session,
        _who(request.actor),
        code=request.code,
        name=request.name,
        conditions=request.conditions,
    )
    return location_to_proto(location)


def _update_location(
    session: Session, request: intake_pb2.UpdateStorageLocationRequest
) -> intake_pb2.StorageLocation:
    location = custody_service.update_storage_location(
        session,
        _who(request.actor),
        code=request.code,
        name=request.name,
        conditions=request.conditions,
        active=request.active,
        reason=request.reason,
    )
    return location_to_proto(location)


def _list_locations(
    session: Session, request: intake_pb2.ListStorageLocationsRequest
) -> intake_pb2.ListStorageLocationsResponse:
    locations = custody_service.list_storage_locations(
        session, include_inactive=request.include_inactive
    )
    return intake_pb2.ListStorageLocationsResponse(
        locations=[location_to_proto(location) for location in locations]
    )


def _mark_disposal_due(
    session: Session, request: intake_pb2.MarkDisposalDueRequest
) -> intake_pb2.Sample:
    sample = retention_service.mark_disposal_due(session, request.lab_number, at=request.at)
    return sample_to_proto(sample, timeline=True)


def _list_disposal_due(
    session: Session, request: intake_pb2.ListDisposalDueRequest
) -> intake_pb2.ListSamplesResponse:
    samples = retention_service.list_disposal_due(session, request.page_size)
    return intake_pb2.ListSamplesResponse(
        samples=[sample_to_proto(sample, timeline=False) for sample in samples],
        total=len(samples),
    )


def notification_to_proto(notification: Notification) -> intake_pb2.Notification:
    """The wire form of a notification."""
    return intake_pb2.Notification(
        id=notification.id,
        recipient=intake_pb2.Recipient(
            username=notification.recipient_user, role=notification.recipient_role
        ),
        subject=notification.subject,
        text=notification.text,
        lab_number=notification.lab_number,
        created_at=to_rfc3339(notification.created_at),
        read_at=to_rfc3339(notification.read_at),
        read_by=notification.read_by,
    )


def _create_notifications(
    session: Session, request: intake_pb2.CreateNotificationsRequest
) -> intake_pb2.CreateNotificationsResponse:
    written = notification_service.create_notifications(
        session,
        notification_key=request.notification_key,
        recipients=[Recipient(r.username, r.role) for r in request.recipients],
        subject=request.subject,
        text=request.text,
        lab_number=request.lab_number,
    )
    return intake_pb2.CreateNotificationsResponse(
        notifications=[notification_to_proto(n) for n in written]
    )


def _list_notifications(
    session: Session, request: intake_pb2.ListNotificationsRequest
) -> intake_pb2.ListNotificationsResponse:
    inbox = notification_service.list_notifications(
        session, request.username, list(request.roles), request.page_size
    )
    return intake_pb2.ListNotificationsResponse(
        notifications=[notification_to_proto(n) for n in inbox.notifications],
        unread=inbox.unread,
    )


def _mark_read(
    session: Session, request: intake_pb2.MarkNotificationReadRequest
) -> intake_pb2.Notification:
    found = notification_service.mark_read(
        session, request.id, request.username, list(request.roles)
    )
    return notification_to_proto(found)
