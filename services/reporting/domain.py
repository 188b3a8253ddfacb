"""Pure rules of certificates (what a complete content is, its canonical form and hash,
numbering) and of labels (the codes of a sample's aliquots, what a printable label needs).

The content's schema is the contract's CertificateContent message: the certificate freezes
exactly what the caller sent, so the rules read it directly (it is data, not I/O)."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from google.protobuf import json_format

from kernel.errors import InvalidArgument
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2

REPORT_PREFIX = "COA"
FIRST_VERSION = 1


class Conformity(StrEnum):
    """A verdict (values match lims.common.v1.Conformity)."""

    CONFORMS = "conforms"
    DOES_NOT_CONFORM = "does_not_conform"


def report_number(year: int, seq: int) -> str:
    """The report number of the seq-th certificate of a year, e.g. COA-2026-00001."""
    return f"{REPORT_PREFIX}-{year}-{seq:05d}"


def version_report_number(first: str, version: int) -> str:
    """The report number of a version: the first issue's number, then `-V<n>` for amendments.

    Every version keeps the report's identity (COA-2026-00001, COA-2026-00001-V2) and its own
    number, so the QR code of each printed version verifies that very version."""
    return first if version == FIRST_VERSION else f"{first}-V{version}"


MAX_AMENDMENT_REASON = 1000


def validate_amendment(*, replaces: str, reason: str) -> None:
    """Refuses an amendment that does not say which version it replaces and why."""
    _require(replaces, "replaces", "the report number of the version being corrected")
    _require(reason, "reason", "say what is corrected and why (printed and audited)")
    if len(reason) > MAX_AMENDMENT_REASON:
        raise InvalidArgument(f"reason is too long: at most {MAX_AMENDMENT_REASON} characters")


def _require(value: str, field: str, why: str) -> None:
    if not value.strip():
        raise InvalidArgument(f"{field} is required: {why}")


def validate_content(content: reporting_pb2.CertificateContent) -> Conformity:
    """Refuses content a certificate cannot be issued from (naming the field); returns the conclusion."""
    _require(content.lab_number, "content.lab_number", "the sample the certificate reports")
    _require(content.product_name, "content.product_name", "the product tested is printed")
    if not content.tests:
        raise InvalidArgument("content.tests is empty: a certificate reports at least one test")
    for index, test in enumerate(content.tests):
        _require(test.name, f"content.tests[{index}].name", "each reported test is named")
    if content.conclusion == common_pb2.CONFORMITY_CONFORMS:
        return Conformity.CONFORMS
    if content.conclusion == common_pb2.CONFORMITY_DOES_NOT_CONFORM:
        return Conformity.DOES_NOT_CONFORM
    raise InvalidArgument(
        "content.conclusion is required: conforms or does_not_conform (the overall verdict)"
    )


def canonical_content(content: reporting_pb2.CertificateContent) -> str:
    """The canonical text of a content: its proto JSON with sorted keys and no spaces.

    Stored as is, so the certificate returns exactly what was frozen, and hashed."""
    as_dict: dict[str, Any] = json_format.MessageToDict(content, preserving_proto_field_name=True)
    return json.dumps(as_dict, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_content(canonical: str) -> reporting_pb2.CertificateContent:
    """The content back from its canonical text."""
    return json_format.Parse(canonical, reporting_pb2.CertificateContent())


def sha256_hex(data: str | bytes) -> str:
    """SHA-256 (hex) of bytes, or of text as UTF-8."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


# --- labels --------------------------------------------------------------------------------------

MAX_ALIQUOTS = 50
# A longer code would make the Code 128 bars of its aliquots too thin to scan on a 62 mm label.
MAX_LAB_NUMBER_LENGTH = 20
# Letters and digits in dash-separated groups: what Code 128 and a scanner's keystrokes carry
# unchanged, and what the gateway's search reads back (services/gateway/domain.py).
_LAB_NUMBER = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


@dataclass(frozen=True)
class Label:
    """One label: the code it carries, and which part of the sample it marks.

    `aliquot` is 0 for the sample itself, else n of `aliquots` (N)."""

    code: str
    aliquot: int
    aliquots: int

    @property
    def is_aliquot(self) -> bool:
        """Whether the label marks an aliquot rather than the sample."""
        return self.aliquot > 0


def aliquot_code(lab_number: str, n: int) -> str:
    """The code of the n-th aliquot of a sample: LNCM-2026-00001, 2 -> LNCM-2026-00001-A2."""
    return f"{lab_number}-A{n}"


def validate_labels(request: reporting_pb2.RenderLabelsRequest) -> None:
    """Refuses a label request that cannot be printed, naming the field and why."""
    lab_number = request.lab_number
    _require(lab_number, "lab_number", "every label carries it")
    if len(lab_number) > MAX_LAB_NUMBER_LENGTH or not _LAB_NUMBER.fullmatch(lab_number):
        raise InvalidArgument(
            f"lab_number {lab_number!r} cannot be printed as a barcode: letters, digits and "
            f"dashes only, at most {MAX_LAB_NUMBER_LENGTH} characters"
        )
    _require(request.product_name, "product_name", "every label names the product")
    if request.expiry_date:
        try:
            date.fromisoformat(request.expiry_date)
        except ValueError:
            raise InvalidArgument(
                f"expiry_date {request.expiry_date!r} is not a date (YYYY-MM-DD)"
            ) from None
    if not 0 <= request.aliquots <= MAX_ALIQUOTS:
        raise InvalidArgument(
            f"aliquots must be between 0 and {MAX_ALIQUOTS}, not {request.aliquots}"
        )


def labels_of(request: reporting_pb2.RenderLabelsRequest) -> list[Label]:
    """The labels to print, validated: the sample's, then one per aliquot (A1 to AN)."""
    validate_labels(request)
    total = request.aliquots
    sample = Label(request.lab_number, 0, total)
    return [sample] + [
        Label(aliquot_code(request.lab_number, n), n, total) for n in range(1, total + 1)
    ]
