"""Pure rules of certificates: what a complete content is, its canonical form and hash, numbering.

The content's schema is the contract's CertificateContent message: the certificate freezes
exactly what the caller sent, so the rules read it directly (it is data, not I/O)."""

import hashlib
import json
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
