"""The requester's contact on a request: the e-mail check shared by intake and the gateway,
intake's refusals naming each field, the gateway's input model, and the rejection notice."""

import pytest
from pydantic import ValidationError

from kernel.email_address import email_problem
from kernel.errors import InvalidArgument
from services.gateway.schemas import RequestIn
from services.intake.domain import NewRequest, NewSample, validate_request
from services.intake.outbox import RejectedSample, rejection_notice

SAMPLE = NewSample(
    product_code="PARA-500-TAB", product_name="Paracetamol", batch_number="B1", quantity="10"
)


def request(**contact: str) -> NewRequest:
    return NewRequest(request_key="k", purpose="complaint", samples=(SAMPLE,), **contact)


@pytest.mark.parametrize(
    "address", ["a@example.org", "amina.idrissi+dmp@sante.gov.ma", "x@sub.domain-1.org"]
)
def test_usual_addresses_are_accepted(address: str) -> None:
    assert email_problem(address) is None


@pytest.mark.parametrize(
    "address", ["amina", "amina@", "@example.org", "a b@example.org", "a@localhost", "a@@b.org"]
)
def test_mistyped_addresses_are_refused_with_an_example(address: str) -> None:
    assert "is not an e-mail address (e.g. name@example.org)" in str(email_problem(address))


def test_a_contact_is_optional_and_kept_stripped() -> None:
    assert (validate_request(request(), "reception").contact_email) == ""
    draft = validate_request(
        request(contact_name=" Dr Idrissi ", contact_email=" a@example.org ", contact_phone=" 1 "),
        "reception",
    )
    assert (draft.contact_name, draft.contact_email, draft.contact_phone) == (
        "Dr Idrissi",
        "a@example.org",
        "1",
    )


def test_intake_names_every_bad_contact_field() -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate_request(
            request(contact_name="n" * 201, contact_email="nope", contact_phone="1" * 51),
            "reception",
        )
    message = str(refused.value)
    assert "contact_name: at most 200 characters (got 201)" in message
    assert "contact_email: 'nope' is not an e-mail address" in message
    assert "contact_phone: at most 50 characters (got 51)" in message


def test_the_gateway_refuses_a_bad_email_naming_the_field() -> None:
    sample = {"product_code": "P", "batch_number": "B", "quantity": "1", "quantity_unit": "u"}
    with pytest.raises(ValidationError) as refused:
        RequestIn.model_validate(
            {"purpose": "complaint", "contact_email": "nope", "samples": [sample]}
        )
    [error] = refused.value.errors()
    assert error["loc"] == ("contact_email",)
    assert "'nope' is not an e-mail address" in error["msg"]


def test_the_rejection_notice_says_what_was_rejected_why_and_by_whom() -> None:
    notice = rejection_notice(
        RejectedSample(
            lab_number="LNCM-2026-00042",
            product_name="Paracetamol 500 mg tablets",
            product_code="PARA-500-TAB",
            batch_number="PT24117",
            external_reference="DOS-114",
            reason="seal broken",
            contact_name="Dr Idrissi",
        ),
        "LNCM",
    )
    assert notice.subject.startswith("LNCM: LNCM-2026-00042 rejected at receipt")
    for words in ("Dr Idrissi,", "LNCM-2026-00042", "Paracetamol 500 mg tablets (PARA-500-TAB)"):
        assert words in notice.text
    for words in ("Lot / Batch: PT24117", "DOS-114", "Motif / Reason: seal broken"):
        assert words in notice.text
    assert notice.text.rstrip().endswith("LNCM")
