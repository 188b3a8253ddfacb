"""The receipt check's rules without I/O: quantity, reason, checklist, cold chain, units needed."""

import pytest

from kernel.errors import InvalidArgument
from services.intake.receipt import (
    Receipt,
    covers,
    quantity_required,
    requires_temperature,
    validate_receipt,
)


def refusal(**fields: object) -> str:
    """The message of a refused acceptance (defaults: 40 tablets of a 20-per-analysis product)."""
    values: dict[str, object] = {
        "accepted": True,
        "condition": "intact",
        "quantity_received": "40",
        "reason": "",
        "units_per_analysis": 20,
        "unit": "tablets",
    }
    values.update(fields)
    with pytest.raises(InvalidArgument) as caught:
        validate_receipt(**values)  # type: ignore[arg-type]
    return caught.value.message


def test_an_accepted_receipt_needs_a_positive_quantity() -> None:
    with pytest.raises(InvalidArgument, match=r"^quantity_received: required"):
        validate_receipt(True, "intact", "", "")
    with pytest.raises(InvalidArgument, match=r"^quantity_received: must be positive"):
        validate_receipt(True, "intact", "0", "")
    accepted = validate_receipt(True, " intact ", "12.5", "ignored")
    assert accepted == Receipt(True, "intact", "12.5", "")


def test_a_rejection_needs_a_reason_and_may_record_nothing_received() -> None:
    with pytest.raises(InvalidArgument, match=r"^reason: required when the sample is rejected"):
        validate_receipt(False, "crushed", "", " ")
    assert validate_receipt(False, "", "0", "empty parcel") == Receipt(
        False, "", "0", "empty parcel"
    )


def test_a_repeated_receipt_is_recognised_with_equal_quantities() -> None:
    recorded = Receipt(True, "intact", "100", "")
    assert recorded.same_decision(Receipt(True, "intact", "100.00", ""))
    assert not recorded.same_decision(Receipt(True, "intact", "99", ""))
    assert not recorded.same_decision(Receipt(False, "intact", "100", "leaking"))
    assert not recorded.same_decision(Receipt(True, "intact", "100", "", seals_intact=False))
    assert not recorded.same_decision(
        Receipt(True, "intact", "100", "", temperature_on_arrival="5")
    )
    assert recorded.detail("tablets") == (
        "accepted, condition: intact, quantity received: 100 tablets, seals intact, "
        "labelling legible"
    )
    assert Receipt(False, "", "", "leaking").detail("tablets") == (
        "rejected: leaking; seals intact, labelling legible"
    )


def test_three_analyses_are_required_the_plan_and_two_re_analyses() -> None:
    assert quantity_required(20) == "60"
    assert quantity_required(0) == ""  # the catalogue does not say: nothing is checked
    assert covers("60", "60") and covers("60.5", "60") and covers("1", "")
    assert not covers("59.9", "60")
    assert not covers("", "60")


def test_too_few_units_are_refused_saying_how_many_are_needed() -> None:
    message = refusal()
    assert message.startswith("quantity_received: 40 tablets received, 60 tablets required (3 x 20")
    assert "WHO TRS 957 §20.1" in message
    assert "accept_insufficient_quantity" in message
    # One field error: the gateway splits messages on "; " to put each next to its field.
    assert "; " not in message


def test_too_few_units_are_accepted_only_as_a_decision_with_a_reason() -> None:
    assert refusal(accept_insufficient_quantity=True) == (
        "reason: required to accept an insufficient quantity"
    )
    accepted = validate_receipt(
        True,
        "intact",
        "40",
        " only 40 were seized ",
        units_per_analysis=20,
        accept_insufficient_quantity=True,
        unit="tablets",
    )
    assert (accepted.quantity_required, accepted.quantity_sufficient) == ("60", False)
    assert accepted.insufficient_quantity_reason == "only 40 were seized"
    assert accepted.detail("tablets") == (
        "accepted, condition: intact, quantity received: 40 tablets (60 required), seals intact, "
        "labelling legible; insufficient quantity accepted: only 40 were seized"
    )


def test_enough_units_need_no_decision_and_keep_no_reason() -> None:
    accepted = validate_receipt(
        True, "", "60", "why not", units_per_analysis=20, accept_insufficient_quantity=True
    )
    assert accepted.quantity_sufficient
    assert (accepted.reason, accepted.insufficient_quantity_reason) == ("", "")


@pytest.mark.parametrize(
    "conditions",
    [
        "2–8 °C",
        "2-8°C",
        "Store at 2 °C to 8 °C",
        "Conserver entre 2 et 8 °C au réfrigérateur",
        "-20 °C",
        "≤ −18 °C",
        "Frozen",
        "Keep refrigerated",
    ],
)
def test_refrigerated_or_frozen_conditions_need_the_temperature(conditions: str) -> None:
    assert requires_temperature(conditions)
    message = refusal(quantity_received="60", storage_conditions=conditions)
    assert message.startswith("temperature_on_arrival: required")


@pytest.mark.parametrize(
    "conditions", ["", "Store below 25 °C", "Do not store above 30 °C", "15–25 °C, dry"]
)
def test_room_temperature_conditions_do_not_need_it(conditions: str) -> None:
    assert not requires_temperature(conditions)
    validate_receipt(True, "", "60", "", storage_conditions=conditions, units_per_analysis=20)


def test_the_temperature_is_a_number_of_degrees() -> None:
    message = refusal(quantity_received="60", temperature_on_arrival="cold")
    assert message == "temperature_on_arrival: 'cold' is not a temperature in °C (e.g. 5 or -18.5)"
    cold = validate_receipt(
        True, "", "60", "", temperature_on_arrival="−18.50", storage_conditions="-20 °C"
    )
    assert cold.temperature_on_arrival == "-18.5"


def test_failed_checks_are_recorded_and_do_not_block_acceptance() -> None:
    accepted = validate_receipt(
        True, "box dented", "60", "", seals_intact=False, labelling_legible=False
    )
    assert (accepted.accepted, accepted.seals_intact, accepted.labelling_legible) == (
        True,
        False,
        False,
    )
    assert "seals broken or missing, labelling illegible" in accepted.detail("tablets")


def test_every_problem_is_reported_at_once() -> None:
    message = refusal(quantity_received="", condition="x" * 501, storage_conditions="2–8 °C").split(
        "; "
    )
    assert [part.split(":")[0] for part in message] == [
        "condition",
        "quantity_received",
        "temperature_on_arrival",
    ]


def test_too_few_units_and_a_missing_temperature_are_reported_together() -> None:
    message = refusal(storage_conditions="-20 °C").split("; ")
    assert [part.split(":")[0] for part in message] == [
        "temperature_on_arrival",
        "quantity_received",
    ]
