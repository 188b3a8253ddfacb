"""Chain-of-custody rules without I/O: what each movement needs, and which movements the sample's
custody and lifecycle status allow."""

import pytest

from kernel.errors import FailedPrecondition, InvalidArgument
from kernel.lifecycle import SampleStatus
from services.intake.custody import (
    Custody,
    CustodyKind,
    CustodyState,
    Movement,
    check_location_usable,
    check_movement,
    custody_detail,
    parse_kind,
    validate_location,
    validate_movement,
)

LAB = "LNCM-2026-00001"
AT_RECEPTION = Custody()
IN_R2 = Custody(CustodyState.IN_STORAGE, "R2")
WITH_AMINA = Custody(CustodyState.WITH_ANALYST, "", "analyst")


def movement(kind: CustodyKind, **fields: str) -> Movement:
    """A valid movement of `kind` by reception (location R2 where one is needed)."""
    values = {"location_code": "R2"} if kind in (CustodyKind.STORED, CustodyKind.RETAINED) else {}
    if kind is CustodyKind.HANDED_TO_ANALYST:
        values = {"handed_to": "analyst"}
    return validate_movement(kind, actor="reception", **(values | fields))


def invalid(kind: CustodyKind, **fields: str) -> str:
    with pytest.raises(InvalidArgument) as caught:
        validate_movement(kind, actor=fields.pop("actor", "reception"), **fields)
    return caught.value.message


def refused(status: SampleStatus, current: Custody, move: Movement) -> str:
    with pytest.raises(FailedPrecondition) as caught:
        check_movement(LAB, status, current, move)
    return caught.value.message


def test_each_movement_leaves_the_sample_where_it_says() -> None:
    assert movement(CustodyKind.STORED, location_code="r2").after(AT_RECEPTION) == IN_R2
    assert movement(CustodyKind.HANDED_TO_ANALYST).after(IN_R2) == WITH_AMINA
    assert movement(CustodyKind.RETURNED).after(WITH_AMINA) == Custody(CustodyState.RETURNED)
    back_in_r2 = movement(CustodyKind.RETURNED, location_code="R2").after(WITH_AMINA)
    assert back_in_r2 == Custody(CustodyState.RETURNED, "R2")
    retained = movement(CustodyKind.RETAINED, location_code="RET-1").after(IN_R2)
    assert retained == Custody(CustodyState.RETAINED, "RET-1")
    assert movement(CustodyKind.DISPOSED).after(retained) == Custody(CustodyState.DISPOSED)


def test_storing_and_retaining_need_a_location() -> None:
    assert invalid(CustodyKind.STORED) == (
        "location_code: required to record 'stored' (where the sample is kept)"
    )
    assert invalid(CustodyKind.RETAINED).startswith("location_code: required")


def test_handing_to_an_analyst_needs_their_login_and_takes_no_location() -> None:
    message = invalid(CustodyKind.HANDED_TO_ANALYST, location_code="R2")
    assert message == (
        "location_code: not taken by 'handed_to_analyst'; "
        "handed_to: required (the login name of the analyst)"
    )


def test_only_a_disposal_is_witnessed_and_never_by_who_disposes() -> None:
    assert invalid(CustodyKind.STORED, location_code="R2", witness="quality") == (
        "witness: only a disposal is witnessed"
    )
    assert invalid(CustodyKind.DISPOSED, witness="reception") == (
        "witness: must be someone other than who disposes of the sample"
    )
    disposal = movement(CustodyKind.DISPOSED, witness="quality", remarks="incinerated")
    assert custody_detail(disposal) == "witnessed by quality: incinerated"


def test_extra_fields_and_long_remarks_are_refused_all_at_once() -> None:
    message = invalid(CustodyKind.RETURNED, handed_to="analyst", remarks="x" * 2001, actor=" ")
    assert message.split("; ") == [
        "actor.username: required (who moves the sample)",
        "handed_to: only a sample handed to an analyst names who received it",
        "remarks: at most 2000 characters (got 2001)",
    ]


def test_an_unknown_or_missing_kind_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidArgument, match=r"^kind: required \(one of stored, "):
        parse_kind("")
    with pytest.raises(InvalidArgument, match="kind: unknown value 'lost'"):
        parse_kind("lost")
    assert parse_kind("retained") is CustodyKind.RETAINED


@pytest.mark.parametrize("kind", list(CustodyKind))
def test_nothing_moves_before_receipt(kind: CustodyKind) -> None:
    message = refused(SampleStatus.REGISTERED, AT_RECEPTION, movement(kind))
    assert message == f"{LAB}: custody starts at receipt; this sample is registered, not received"


@pytest.mark.parametrize("kind", list(CustodyKind))
def test_nothing_moves_after_disposal(kind: CustodyKind) -> None:
    disposed = Custody(CustodyState.DISPOSED)
    message = refused(SampleStatus.RELEASED, disposed, movement(kind))
    assert message == f"{LAB}: disposed of; no movement can follow"


def test_a_sample_with_an_analyst_is_returned_before_anything_else() -> None:
    message = refused(SampleStatus.IN_TESTING, WITH_AMINA, movement(CustodyKind.STORED))
    assert message == f"{LAB}: the sample is with analyst; record its return first"
    check_movement(LAB, SampleStatus.IN_TESTING, WITH_AMINA, movement(CustodyKind.RETURNED))


def test_only_a_sample_with_an_analyst_is_returned() -> None:
    message = refused(SampleStatus.IN_TESTING, IN_R2, movement(CustodyKind.RETURNED))
    assert message == f"{LAB}: nothing to return; the sample is not with an analyst"


def test_a_sample_is_disposed_of_only_once_its_lifecycle_ended() -> None:
    message = refused(SampleStatus.IN_REVIEW, IN_R2, movement(CustodyKind.DISPOSED))
    assert message.endswith("(released, rejected or cancelled); this one is in_review")
    for status in (SampleStatus.RELEASED, SampleStatus.REJECTED, SampleStatus.CANCELLED):
        check_movement(LAB, status, IN_R2, movement(CustodyKind.DISPOSED))


def test_a_rejected_sample_is_neither_tested_nor_retained_but_may_be_stored() -> None:
    handed = refused(SampleStatus.REJECTED, AT_RECEPTION, movement(CustodyKind.HANDED_TO_ANALYST))
    assert handed == f"{LAB}: a rejected sample is not tested, so it is not handed to an analyst"
    refused(SampleStatus.CANCELLED, IN_R2, movement(CustodyKind.RETAINED))
    check_movement(LAB, SampleStatus.REJECTED, AT_RECEPTION, movement(CustodyKind.STORED))


def test_moving_a_sample_where_it_already_is_is_refused() -> None:
    message = refused(SampleStatus.RECEIVED, IN_R2, movement(CustodyKind.STORED))
    assert message == f"{LAB}: already in storage at R2"
    moved = movement(CustodyKind.STORED, location_code="C1")
    check_movement(LAB, SampleStatus.RECEIVED, IN_R2, moved)


def test_an_inactive_location_takes_no_sample() -> None:
    with pytest.raises(FailedPrecondition, match="R9 is no longer in use"):
        check_location_usable("R9", active=False)
    check_location_usable("R2", active=True)


def test_a_location_has_a_code_a_name_and_its_conditions() -> None:
    draft = validate_location(" r2 ", "Réfrigérateur R2", "2–8 °C")
    assert (draft.code, draft.name, draft.conditions, draft.active) == (
        "R2",
        "Réfrigérateur R2",
        "2–8 °C",
        True,
    )
    with pytest.raises(InvalidArgument) as caught:
        validate_location("fridge 2", "", "")
    assert caught.value.message.split("; ") == [
        "code: 'FRIDGE 2' must be 1 to 30 letters, digits, '.', '_' or '-', starting with a "
        "letter or digit",
        "name: required (e.g. Réfrigérateur R2)",
        "conditions: required (e.g. 2–8 °C)",
    ]
