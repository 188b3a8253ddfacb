"""The lifecycle's e-mail activity: the rejection notice written to intake's outbox, then sent
through the mail server when one is configured. Idempotent on the workflow's key: intake writes
the notice once, and one recorded as sent is not sent again."""

import asyncio
import re
import smtplib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from temporalio import activity
from temporalio.exceptions import ApplicationError

from lims.intake.v1 import intake_pb2
from workflows import activity_contracts as ac
from workflows.activities import call
from workflows.mailer import Mailer

if TYPE_CHECKING:
    from lims.intake.v1.intake_pb2_grpc import IntakeServiceAsyncStub


def _message_id(notification_key: str, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "lims"
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '.', notification_key)}@{domain}>"


def _refused_for_good(error: Exception) -> bool:
    """A 5xx answer to the message or its recipient: sending it again gets the same answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


class EmailActivities:
    """Built by the worker with intake's stub, the mail server (None: not configured) and the
    lab's name that signs the notices."""

    def __init__(
        self, intake: "IntakeServiceAsyncStub", mailer: Mailer | None, lab_name: str
    ) -> None:
        self._intake = intake
        self._mailer = mailer
        self._lab_name = lab_name

    @activity.defn(name=ac.EMAIL_REJECTION)
    async def email_rejection(self, request: ac.EmailRejection) -> ac.EmailOutcome:
        """Writes the notice to the outbox and sends it. A failure is recorded with the
        server's answer; a passing one (server down, 4xx) is raised so Temporal retries, a
        permanent one (5xx) leaves the notice failed for reception to follow up."""
        queued = await call(
            self._intake.QueueRejectionNotice,
            intake_pb2.QueueRejectionNoticeRequest(
                lab_number=request.lab_number,
                notification_key=request.notification_key,
                lab_name=self._lab_name,
            ),
        )
        if not queued.emails:
            return ac.EmailOutcome(status="none")
        email = queued.emails[0]
        if email.status == "sent" or self._mailer is None:
            return ac.EmailOutcome(status=email.status)
        try:
            await asyncio.to_thread(
                self._mailer.send,
                to=email.recipient,
                subject=email.subject,
                text=email.text,
                message_id=_message_id(email.notification_key, self._mailer.sender),
            )
        except (smtplib.SMTPException, OSError) as error:
            answer = f"{type(error).__name__}: {error}"
            await call(
                self._intake.RecordEmailDelivery,
                intake_pb2.RecordEmailDeliveryRequest(
                    notification_key=email.notification_key, sent=False, error=answer
                ),
            )
            if _refused_for_good(error):
                return ac.EmailOutcome(status="failed")
            raise ApplicationError(f"e-mail to {email.recipient} not sent: {answer}") from error
        recorded = await call(
            self._intake.RecordEmailDelivery,
            intake_pb2.RecordEmailDeliveryRequest(
                notification_key=email.notification_key, sent=True
            ),
        )
        return ac.EmailOutcome(status=recorded.status)

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        """Every activity, for the worker."""
        return [self.email_rejection]
