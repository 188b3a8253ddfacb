"""Retention and disposal rules (services/intake/retention.py) and the signed text of a disposal
(kernel/signed_content.py): pure, no database."""

from datetime import date

import pytest

from kernel.errors import InvalidArgument
from kernel.signed_content import content_hash, disposal_text
from services.intake.retention import (
    Recipient,
    Signer,
    check_disposal,
    disposal_due,
    retain_until,
    validate_recipients,
)

AUTHOR = Signer("reception", "Rania Reception", "authored")
WITNESS = Signer("quality", "Qamar Quality", "witnessed")
UNTIL = date(2029, 1, 9)


def test_a_retained_part_is_kept_until_expiry_plus_the_period() -> None:
    assert retain_until(date(2027, 1, 9), date(2026, 3, 1), 365) == date(2028, 1, 9)
    assert retain_until(date(2027, 1, 9), date(2026, 3, 1), 0) == date(2027, 1, 9)


def test_without_an_expiry_date_the_period_runs_from_the_day_retained() -> None:
    assert retain_until(None, date(2026, 3, 1), 365) == date(2027, 3, 1)


def test_disposal_falls_due_the_day_after_the_last_day_kept() -> None:
    assert not disposal_due(UNTIL, UNTIL)
    assert disposal_due(UNTIL, date(2029, 1, 10))
    assert disposal_due(None, date(2026, 1, 1))  # never retained: nothing to keep


def test_a_due_disposal_signed_by_author_and_witness_needs_no_reason() -> None:
    check_disposal(
        actor="reception",
        witness="quality",
        signers=[AUTHOR, WITNESS],
        reason="",
        until=UNTIL,
        today=date(2029, 2, 1),
    )


def test_a_reminded_disposal_needs_no_reason_even_by_an_earlier_calendar() -> None:
    check_disposal(
        actor="reception",
        witness="quality",
        signers=[AUTHOR, WITNESS],
        reason="",
        until=UNTIL,
        today=date(2029, 1, 9),
        reminded=True,
    )


def test_an_early_disposal_needs_a_reason() -> None:
    with pytest.raises(InvalidArgument, match=r"reason: required .* \(kept until 2029-01-09\)"):
        check_disposal(
            actor="reception",
            witness="quality",
            signers=[AUTHOR, WITNESS],
            reason=" ",
            until=UNTIL,
            today=date(2027, 1, 1),
        )


def test_a_disposal_without_both_signatures_is_refused_naming_every_problem() -> None:
    with pytest.raises(InvalidArgument) as refused:
        check_disposal(
            actor="reception", witness="", signers=[], reason="x", until=None, today=UNTIL
        )
    message = str(refused.value)
    assert "signs it once (authored)" in message
    assert "witness: required (a disposal is witnessed)" in message


def test_the_witness_is_someone_else_and_signs_as_witness() -> None:
    with pytest.raises(InvalidArgument, match="witness: must be someone other"):
        check_disposal(
            actor="reception",
            witness="reception",
            signers=[AUTHOR, Signer("reception", "Rania Reception", "witnessed")],
            reason="x",
            until=None,
            today=UNTIL,
        )
    with pytest.raises(InvalidArgument, match="the witness signs the disposal once"):
        check_disposal(
            actor="reception",
            witness="quality",
            signers=[AUTHOR, Signer("quality", "Qamar Quality", "authored")],
            reason="x",
            until=None,
            today=UNTIL,
        )


def test_the_signed_text_changes_with_any_field_and_cannot_forge_a_line() -> None:
    fields = {
        "lab_number": "LNCM-2026-00001",
        "location_code": "RET-1",
        "remarks": "incinerated",
        "reason": "",
        "at": "2026-05-01T08:30:00Z",
    }
    signed = content_hash(disposal_text(**fields))
    for name in fields:
        assert content_hash(disposal_text(**(fields | {name: fields[name] + "x"}))) != signed
    forged = disposal_text(**(fields | {"remarks": "a\nreason: forged"}))
    assert forged.count("\n") == 5  # six lines, whatever the remarks hold


def test_recipients_name_a_user_or_a_role() -> None:
    assert validate_recipients([Recipient("a"), Recipient("a"), Recipient(role="reception")]) == [
        Recipient("a"),
        Recipient(role="reception"),
    ]
    with pytest.raises(InvalidArgument, match=r"recipients\[0\]"):
        validate_recipients([Recipient("a", "reception")])
    with pytest.raises(InvalidArgument, match="recipients: at least one"):
        validate_recipients([])
