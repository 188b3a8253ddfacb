"""What the REST API accepts before anything changes: request bodies checked field by field."""

from typing import Any

import pytest
from pydantic import ValidationError

from services.gateway.schemas import ReceiptIn, RequestIn, ResultIn, ReviewIn, UserIn


def sample(**overrides: Any) -> dict[str, Any]:
    return {
        "product_code": "PARA-500-TAB",
        "batch_number": "PT24117",
        "manufacturer": "Laprophan",
        "manufacture_date": "2025-03-01",
        "expiry_date": "2028-02-29",
        "quantity": "100",
        "quantity_unit": "tablets",
    } | overrides


def request(**overrides: Any) -> dict[str, Any]:
    return {"purpose": "market_surveillance", "samples": [sample()]} | overrides


def locations(error: ValidationError) -> set[tuple[int | str, ...]]:
    return {tuple(item["loc"]) for item in error.errors()}


def test_a_valid_request_defaults_to_routine_priority() -> None:
    parsed = RequestIn.model_validate(request())
    assert parsed.priority == "routine"
    assert str(parsed.samples[0].quantity) == "100"


def test_quantity_may_be_a_number_or_a_decimal_string_but_must_be_positive() -> None:
    assert (
        str(RequestIn.model_validate(request(samples=[sample(quantity=2.5)])).samples[0].quantity)
        == "2.5"
    )
    for bad in ("-3", "0", "many", "NaN", "Infinity"):
        with pytest.raises(ValidationError) as caught:
            RequestIn.model_validate(request(samples=[sample(quantity=bad)]))
        assert locations(caught.value) == {("samples", 0, "quantity")}, bad


def test_expiry_before_manufacture_is_refused_on_the_expiry_date() -> None:
    with pytest.raises(ValidationError) as caught:
        RequestIn.model_validate(request(samples=[sample(expiry_date="2024-01-01")]))
    assert locations(caught.value) == {("samples", 0, "expiry_date")}
    # Only the order matters: an expired product can still be tested (e.g. a complaint).
    RequestIn.model_validate(
        request(samples=[sample(manufacture_date=None, expiry_date="2001-01-01")])
    )


def test_a_request_needs_samples_a_known_purpose_and_no_unknown_fields() -> None:
    for body, location in [
        (request(samples=[]), ("samples",)),
        (request(purpose="holiday"), ("purpose",)),
        (request(priority="yesterday"), ("priority",)),
        (request(colour="blue"), ("colour",)),
        (request(samples=[sample(batch_number="  ")]), ("samples", 0, "batch_number")),
    ]:
        with pytest.raises(ValidationError) as caught:
            RequestIn.model_validate(body)
        assert locations(caught.value) == {location}


def test_result_values_keep_text_as_typed_and_write_numbers_as_decimals() -> None:
    parsed = ResultIn.model_validate_json(
        '{"values": [99.8, "99.80", "conforms", 1e-7, 5], "remarks": " ok "}'
    )
    assert parsed.values == ["99.8", "99.80", "conforms", "0.0000001", "5"]
    assert parsed.remarks == "ok"
    for bad in ('{"values": []}', '{"values": [true]}', '{"values": [""]}', '{"values": [[1]]}'):
        with pytest.raises(ValidationError):
            ResultIn.model_validate_json(bad)


def test_receipt_quantity_is_positive_when_given() -> None:
    assert ReceiptIn.model_validate({"accepted": True, "quantity_received": "60"}).quantity_received
    with pytest.raises(ValidationError):
        ReceiptIn.model_validate({"accepted": True, "quantity_received": "0"})


def test_review_signature_means_reviewed_and_needs_a_password() -> None:
    assert ReviewIn.model_validate({"decision": "accept", "password": "x"}).meaning == "reviewed"
    with pytest.raises(ValidationError):
        ReviewIn.model_validate({"decision": "accept", "password": "x", "meaning": "approved"})
    with pytest.raises(ValidationError):
        ReviewIn.model_validate({"decision": "accept", "password": ""})
    with pytest.raises(ValidationError):
        ReviewIn.model_validate({"decision": "maybe", "password": "x"})


def test_new_user_needs_a_login_name_a_real_password_and_a_known_role() -> None:
    valid = {
        "username": "analyst3",
        "full_name": "A",
        "password": "long enough",
        "roles": ["analyst"],
    }
    UserIn.model_validate(valid)
    changes: list[dict[str, Any]] = [
        {"username": "Bad Name"},
        {"password": "short"},
        {"roles": []},
        {"roles": ["chef"]},
    ]
    for change in changes:
        with pytest.raises(ValidationError):
            UserIn.model_validate(valid | change)
