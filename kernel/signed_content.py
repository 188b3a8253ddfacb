"""The exact text a disposal's signatures sign, shared by intake (which hashes it when the
disposal is recorded) and the gateway (which hashes it again from the record as it reads now,
to show whether each signature still holds). Pure: no I/O."""

import hashlib

# record_kind of the signatures on a disposal (common.Signature.record_kind).
SAMPLE_DISPOSAL = "sample_disposal"


def _line(name: str, value: str) -> str:
    # Backslashes and line breaks escaped: a crafted remark cannot forge another line.
    return f"{name}: " + value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def disposal_text(
    *, lab_number: str, location_code: str, remarks: str, reason: str, at: str
) -> str:
    """Canonical text of a disposal: one `name: value` line per field in a fixed order, so the
    same record always gives the same bytes. `location_code` is where the sample was kept
    before it was destroyed ('' if in none); `at` is RFC 3339 UTC."""
    fields = (
        ("lab_number", lab_number),
        ("movement", "disposed"),
        ("location", location_code),
        ("remarks", remarks),
        ("reason", reason),
        ("at", at),
    )
    return "\n".join(_line(name, value) for name, value in fields)


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the signed text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
