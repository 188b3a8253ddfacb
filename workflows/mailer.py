"""Sending one plain-text e-mail through the configured mail server with the standard library.
Blocking: the activity runs it in a thread."""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from kernel.settings import Settings

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Mailer:
    """The mail server and the sender's address."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = False

    def send(self, *, to: str, subject: str, text: str, message_id: str) -> None:
        """Sends one message; raises smtplib.SMTPException or OSError when it is not accepted.

        The Message-ID is derived from the outbox key, so if a retry sends again after the
        server accepted (the acceptance was not recorded), a mail client sees one message."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = message_id
        message.set_content(text)
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as server:
            if self.starttls:
                server.starttls(context=ssl.create_default_context())
            if self.username:
                server.login(self.username, self.password)
            server.send_message(message)


def mailer_from(settings: Settings) -> Mailer | None:
    """The configured mail server; None when LIMS_SMTP_HOST is not set."""
    if not settings.smtp_host:
        return None
    return Mailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )
