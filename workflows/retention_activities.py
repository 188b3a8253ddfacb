"""Activities of SampleRetention and of the lifecycle's notifications: thin, idempotent calls
to intake (the key is the workflow's, so a retry writes nothing more)."""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from temporalio import activity

from lims.intake.v1 import intake_pb2
from workflows import activity_contracts as ac
from workflows.activities import call

if TYPE_CHECKING:
    from lims.intake.v1.intake_pb2_grpc import IntakeServiceAsyncStub


class RetentionActivities:
    """Built by the worker with intake's stub."""

    def __init__(self, intake: "IntakeServiceAsyncStub") -> None:
        self._intake = intake

    @activity.defn(name=ac.MARK_DISPOSAL_DUE)
    async def mark_disposal_due(self, request: ac.MarkDisposalDue) -> ac.DisposalDueMarked:
        """Marks the disposal due and notifies reception (intake does both in one transaction)."""
        sample = await call(
            self._intake.MarkDisposalDue,
            intake_pb2.MarkDisposalDueRequest(lab_number=request.lab_number, at=request.at),
        )
        return ac.DisposalDueMarked(
            disposal_due_at=sample.disposal_due_at, disposed_at=sample.disposed_at
        )

    @activity.defn(name=ac.NOTIFY)
    async def notify(self, request: ac.Notify) -> ac.Notified:
        """Records a notification for each user (idempotent on the key)."""
        written = await call(
            self._intake.CreateNotifications,
            intake_pb2.CreateNotificationsRequest(
                notification_key=request.notification_key,
                recipients=[intake_pb2.Recipient(username=u) for u in request.usernames],
                subject=request.subject,
                text=request.text,
                lab_number=request.lab_number,
            ),
        )
        return ac.Notified(count=len(written.notifications))

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        """Every activity, for the worker."""
        return [self.mark_disposal_due, self.notify]
