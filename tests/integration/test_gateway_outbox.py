"""The requester's contact through the REST API, and the rejection notice reaching it: written
to the outbox by the lifecycle and sent by the worker to a real (test) SMTP server.

Runs against the real services, a Temporal dev server, the real worker configured with the test
mail server, and the gateway (tests.support.gateway.full_stack)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.api import paracetamol_sample
from tests.support.gateway import Stack, full_stack, problem
from tests.support.smtp import SmtpServer, smtp_server
from workflows.contracts import sample_workflow_id

pytestmark = pytest.mark.timeout(600)

CONTACT = {
    "contact_name": "Dr Amina Idrissi",
    "contact_email": "amina.idrissi@example.org",
    "contact_phone": "+212 5 37 00 00 00",
}


@dataclass
class Running:
    stack: Stack
    smtp: SmtpServer


@pytest.fixture(scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    async with smtp_server() as smtp:
        mail = {"smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_from": "lims@lab.example"}
        async with full_stack(tmp_path_factory.mktemp("gateway-outbox"), mail) as stack:
            yield Running(stack, smtp)


async def rejected(stack: Stack, **contact: str) -> str:
    """A new sample of a request with this contact, rejected at receipt; its lab number."""
    lab: str = (await stack.create(**contact))["samples"][0]["lab_number"]
    rejection = {"accepted": False, "reason": "seal broken on arrival"}
    await stack.ok(stack.post("reception", f"/api/v1/samples/{lab}/receipt", rejection))
    return lab


async def outbox_of(stack: Stack, lab: str, status: str) -> list[dict[str, Any]]:
    """The outbox e-mails about the sample once one is in `status` (the workflow writes them
    after the lifecycle ended, in the background)."""
    for _ in range(200):
        page = await stack.ok(stack.get("reception", "/api/v1/outbox"))
        found = [e for e in page["items"] if e["lab_number"] == lab]
        if found and found[0]["status"] == status:
            return found
        await stack.env.sleep(0.05)
    raise AssertionError(f"no {status} e-mail about {lab}: {found}")


async def test_the_contact_is_kept_on_the_request_and_shown_with_its_samples(
    running: Running,
) -> None:
    stack = running.stack
    request = await stack.create(**CONTACT)
    assert {k: request[k] for k in CONTACT} == CONTACT
    lab = request["samples"][0]["lab_number"]
    detail = await stack.ok(stack.get("requester", f"/api/v1/samples/{lab}"))
    assert {k: detail[k] for k in CONTACT} == CONTACT


async def test_a_bad_contact_email_is_refused_naming_the_field(running: Running) -> None:
    stack = running.stack
    body = {
        "purpose": "complaint",
        "contact_email": "amina at example",
        "samples": [paracetamol_sample()],
    }
    refusal = problem(await stack.post("requester", "/api/v1/requests", body), 422)
    [error] = refusal["errors"]
    assert error["field"].endswith("contact_email")
    assert "is not an e-mail address" in error["message"]


async def test_a_rejection_emails_the_contact_through_the_mail_server(running: Running) -> None:
    stack, smtp = running.stack, running.smtp
    lab = await rejected(stack, **CONTACT, external_reference="DOS-2026-114")
    [email] = await outbox_of(stack, lab, "sent")
    assert (email["recipient"], email["attempts"], email["error"]) == (
        CONTACT["contact_email"],
        1,
        None,
    )
    [received] = [m for m in smtp.messages if lab in str(m.message["Subject"])]
    assert (received.sender, received.recipients) == (
        "lims@lab.example",
        [CONTACT["contact_email"]],
    )
    body = received.message.get_content()
    for words in (
        lab,
        "Paracetamol 500 mg tablets",
        paracetamol_sample()["batch_number"],
        "DOS-2026-114",
        "seal broken on arrival",
        stack.settings.lab_name,
        CONTACT["contact_name"],
    ):
        assert words in body
    problem(await stack.get("requester", "/api/v1/outbox"), 403)
    problem(await stack.get("analyst", "/api/v1/outbox"), 403)
    sent = await stack.ok(stack.get("admin", "/api/v1/outbox", params={"status": "sent"}))
    assert lab in [e["lab_number"] for e in sent["items"]]


async def test_a_mail_server_failing_for_a_while_is_retried_until_it_takes_the_notice(
    running: Running,
) -> None:
    stack, smtp = running.stack, running.smtp
    smtp.transient_failures = 1
    lab = await rejected(stack, **CONTACT)
    [email] = await outbox_of(stack, lab, "sent")
    # The first attempt's 451 was recorded; Temporal's retry sent it.
    assert email["attempts"] == 2 and smtp.transient_failures == 0
    assert len([m for m in smtp.messages if lab in str(m.message["Subject"])]) == 1


async def test_a_request_without_an_email_sends_nothing(running: Running) -> None:
    stack, smtp = running.stack, running.smtp
    lab = await rejected(stack, contact_name="Dr Amina Idrissi")
    # The lifecycle ends once its e-mail step has run.
    await stack.env.client.get_workflow_handle(sample_workflow_id(lab)).result()
    page = await stack.ok(stack.get("reception", "/api/v1/outbox"))
    assert lab not in [e["lab_number"] for e in page["items"]]
    assert not [m for m in smtp.messages if lab in str(m.message["Subject"])]
