"""The e-mail outbox's rules: the states of an e-mail and the words of the rejection notice.
Pure Python, no I/O (services.intake.outbox_service stores them; the worker sends them)."""

from dataclasses import dataclass
from enum import StrEnum


class EmailStatus(StrEnum):
    """Where an outbox e-mail stands."""

    PENDING = "pending"  # written, not sent yet (or no mail server configured)
    SENT = "sent"
    FAILED = "failed"  # the last attempt failed; a retry may still send it


MAX_ERROR = 2000  # a mail server's answer, kept as the reason of the failure


@dataclass(frozen=True)
class Notice:
    """An e-mail's subject and plain text."""

    subject: str
    text: str


@dataclass(frozen=True)
class RejectedSample:
    """What the rejection notice tells the requester about their sample."""

    lab_number: str
    product_name: str
    product_code: str
    batch_number: str
    external_reference: str
    reason: str
    contact_name: str


def rejection_notice(sample: RejectedSample, lab_name: str) -> Notice:
    """The notice to the request's contact that a sample was rejected at receipt.

    In French then English: the lab's requesters write in either."""
    product = f"{sample.product_name} ({sample.product_code})"
    greeting = f"{sample.contact_name}," if sample.contact_name else ""
    reference = (
        [f"Référence / Reference: {sample.external_reference}"] if sample.external_reference else []
    )
    lines = [
        greeting,
        "",
        "L'échantillon ci-dessous a été refusé à la réception.",
        "The sample below was rejected at receipt.",
        "",
        f"Numéro de laboratoire / Lab number: {sample.lab_number}",
        f"Produit / Product: {product}",
        f"Lot / Batch: {sample.batch_number}",
        *reference,
        f"Motif / Reason: {sample.reason or '—'}",
        "",
        lab_name,
    ]
    return Notice(
        subject=f"{lab_name}: {sample.lab_number} rejected at receipt / refusé à la réception",
        text="\n".join(lines).strip() + "\n",
    )
