"""Retention and disposal in the browser: a retained sample falls due, reception sees it on the
home page and in its notifications, and disposes of it with a witness signing at the same desk;
the custody timeline shows both signatures, checked intact."""

from collections.abc import Callable

import grpc
from playwright.sync_api import Page, expect

from deploy.local.launcher import Stack
from lims.intake.v1 import intake_pb2, intake_pb2_grpc
from services.gateway.domain import DEMO_PASSWORD
from tests.browser.support import screenshot
from tests.support.api import Api


def retained_and_cancelled(gateway_url: str) -> str:
    """A sample received, its retained part put away, then cancelled; its lab number."""
    requester, reception = Api(gateway_url, "requester"), Api(gateway_url, "reception")
    lab: str = requester.create_request()["samples"][0]["lab_number"]
    reception.ok(reception.receive(lab))
    custody = f"/api/v1/samples/{lab}/custody"
    reception.ok(reception.post(custody, {"kind": "retained", "location_code": "RET-1"}))
    reception.ok(reception.post(f"/api/v1/samples/{lab}/cancel", {"reason": "withdrawn"}))
    return lab


def fall_due(stack: Stack, lab_number: str) -> None:
    """What the SampleRetention workflow's timer does a year later (tests/workflow proves it)."""
    with grpc.insecure_channel(f"127.0.0.1:{stack.config.service_ports['intake']}") as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)
        stub.MarkDisposalDue(intake_pb2.MarkDisposalDueRequest(lab_number=lab_number))


def test_reception_disposes_of_a_due_sample_with_a_witness_signing(
    login_as: Callable[[str], Page], gateway_url: str, stack: Stack
) -> None:
    lab = retained_and_cancelled(gateway_url)
    fall_due(stack, lab)

    reception = login_as("reception")
    due = reception.locator("[data-testid=section-disposal_due]")
    expect(due).to_contain_text("Échantillons à détruire")
    expect(due).to_contain_text(lab)
    expect(reception.locator("[data-testid=unread-count]")).not_to_have_text("")
    reception.click("[data-testid=nav-notifications]")
    expect(reception.locator("[data-testid=notifications]")).to_contain_text(f"{lab}: disposal due")

    reception.goto(f"/samples/{lab}")
    custody = reception.locator("#custody")
    expect(custody.locator("[data-testid=disposal-due]")).to_be_visible()
    custody.locator("[data-testid=custody-kind]").select_option("disposed")
    custody.locator("[data-testid=custody-witness]").fill("quality")
    custody.locator("[data-testid=custody-remarks]").fill("incinéré")
    custody.locator("[data-testid=custody-password]").fill(DEMO_PASSWORD)
    # The witness's wrong password: refused, nothing recorded.
    custody.locator("[data-testid=custody-witness-password]").fill("wrong")
    custody.locator("[data-testid=custody-submit]").click()
    expect(reception.locator("#custody [data-testid=refusal]")).to_be_visible()
    expect(reception.locator("[data-testid=custody-signature]")).to_have_count(0)

    custody = reception.locator("#custody")
    custody.locator("[data-testid=custody-kind]").select_option("disposed")
    custody.locator("[data-testid=custody-witness]").fill("quality")
    custody.locator("[data-testid=custody-password]").fill(DEMO_PASSWORD)
    custody.locator("[data-testid=custody-witness-password]").fill(DEMO_PASSWORD)
    custody.locator("[data-testid=custody-submit]").click()
    expect(reception.locator("#custody [data-testid=done]")).to_be_visible()
    expect(reception.locator("[data-testid=custody-now]")).to_contain_text("détruit")
    signatures = reception.locator("[data-testid=custody-signature]")
    expect(signatures).to_have_count(2)
    expect(reception.locator("[data-testid=signature-intact]")).to_have_count(2)
    screenshot(reception, "sample-disposal")

    reception.goto("/")
    expect(reception.locator("[data-testid=section-disposal_due]")).not_to_contain_text(lab)
