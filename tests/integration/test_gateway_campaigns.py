"""Campaign import through the REST API, all or nothing: one request with every sample and
consecutive lab numbers, or the row-by-row report and nothing registered.

Runs against the real services, a Temporal dev server and the real worker (full_stack, SQLite
files), started once for the module. Each test uses batch numbers of its own, so it counts only
its samples."""

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from tests.support.gateway import Stack, full_stack, problem
from workflows.contracts import sample_workflow_id

pytestmark = pytest.mark.timeout(600)

PATH = "/api/v1/requests/import"
HEADER = "Code produit;Lot;Fabricant;Date de fabrication;Date de péremption;Quantité;Unité"


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-campaigns")) as running:
        yield running


def campaign_csv(batch: str, rows: int, bad: dict[int, str] | None = None) -> bytes:
    """A French CSV of `rows` samples (batches batch-1 ...); `bad` replaces some data rows."""
    lines = [HEADER]
    for n in range(1, rows + 1):
        product = "PARA-500-TAB" if n % 2 else "AMOX-500-CAP"
        lines.append(f"{product};{batch}-{n};Laprophan;01/03/2025;28/02/2028;100;comprimés")
    for n, line in (bad or {}).items():
        lines[n] = line
    return ("\ufeff" + "\r\n".join(lines)).encode()


async def upload(
    stack: Stack, user: str, content: bytes, filename: str = "campaign.csv", **form: Any
) -> httpx.Response:
    data = {"reference": "PMS-2026-CAMPAIGN", "requester_organisation": "DMP Inspection"} | form
    return await stack.client.post(
        PATH, files={"file": (filename, content)}, data=data, headers=stack.sessions[user]
    )


async def registered(stack: Stack, batch: str) -> int:
    found = await stack.ok(stack.get("reception", "/api/v1/samples", params={"q": batch}))
    total: int = found["total"]
    return total


async def test_a_campaign_of_300_rows_is_one_request_with_consecutive_lab_numbers(
    stack: Stack,
) -> None:
    batch = f"C300-{uuid.uuid4().hex[:6]}"
    answer = await upload(stack, "reception", campaign_csv(batch, 300), reference="PMS-300")

    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert (created["purpose"], created["external_reference"]) == ("market_surveillance", "PMS-300")
    assert created["requester_organisation"] == "DMP Inspection"
    samples = created["samples"]
    assert len(samples) == 300
    assert {sample["request_id"] for sample in samples} == {created["request_id"]}
    assert [s["batch_number"] for s in samples] == [f"{batch}-{n}" for n in range(1, 301)]
    numbers = [int(sample["lab_number"].rsplit("-", 1)[1]) for sample in samples]
    assert numbers == list(range(numbers[0], numbers[0] + 300))
    assert await registered(stack, batch) == 300
    # The lifecycles started: the last sample's workflow runs.
    handle = stack.env.client.get_workflow_handle(sample_workflow_id(samples[-1]["lab_number"]))
    assert (await handle.describe()).status is not None


async def test_a_campaign_with_contact_columns_gives_the_request_its_contact(
    stack: Stack,
) -> None:
    batch = f"CT-{uuid.uuid4().hex[:6]}"
    lines = [
        HEADER + ";Personne à contacter;Courriel",
        f"PARA-500-TAB;{batch}-1;Laprophan;01/03/2025;28/02/2028;100;comprimés;"
        "Dr Idrissi;inspection@example.org",
        f"PARA-500-TAB;{batch}-2;Laprophan;01/03/2025;28/02/2028;100;comprimés;;",
    ]
    answer = await upload(stack, "reception", "\r\n".join(lines).encode())

    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert (created["contact_name"], created["contact_email"]) == (
        "Dr Idrissi",
        "inspection@example.org",
    )
    assert {s["contact_email"] for s in created["samples"]} == {"inspection@example.org"}
    # A second, different name: the request has one contact.
    lines[2] = lines[2].removesuffix(";;") + ";Dr B;"
    body = problem(await upload(stack, "reception", "\r\n".join(lines).encode()), 422)
    assert [(e["row"], e["field"]) for e in body["report"]["errors"]] == [(3, "contact_name")]


async def test_a_file_with_two_bad_rows_registers_nothing_and_reports_both(stack: Stack) -> None:
    batch = f"BAD-{uuid.uuid4().hex[:6]}"
    content = campaign_csv(
        batch,
        20,
        bad={
            4: f"PARA-500-TAB;{batch}-4;Laprophan;01/03/2025;28/02/2024;100;comprimés",
            15: f"NOPE-1;{batch}-15;Laprophan;01/03/2025;28/02/2028;0;comprimés",
        },
    )
    body = problem(await upload(stack, "reception", content), 422)

    assert body["detail"] == "the file has 3 errors; nothing was registered"
    report = body["report"]
    assert (report["rows"], report["valid_rows"]) == (20, 18)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (5, "expiry_date"),
        (16, "quantity"),
        (16, "product_code"),
    ]
    assert body["errors"][0] == {
        "field": "row 5: expiry_date",
        "message": "must not precede the manufacture date 2025-03-01",
    }
    assert await registered(stack, batch) == 0


async def test_a_dry_run_checks_an_xlsx_and_registers_nothing(stack: Stack) -> None:
    batch = f"DRY-{uuid.uuid4().hex[:6]}"
    book = Workbook()
    sheet = book.active
    sheet.append(["Product code", "Batch number", "Quantity", "Quantity unit"])
    for n in range(1, 11):
        sheet.append(["PARA-500-TAB", f"{batch}-{n}", 100, "tablets"])
    out = io.BytesIO()
    book.save(out)

    answer = await upload(stack, "admin", out.getvalue(), "campaign.xlsx", dry_run="true")

    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["rows"], report["valid_rows"], report["errors"]) == (10, 10, [])
    assert report["columns"]["Batch number"] == "batch_number"
    assert await registered(stack, batch) == 0


async def test_a_file_that_cannot_be_read_is_refused_clearly(stack: Stack) -> None:
    body = problem(await upload(stack, "reception", b"\xd0\xcf\x11\xe0" + b"\0" * 64), 422)

    assert body["errors"] == [
        {
            "field": "file",
            "message": "old Excel (.xls) files are not read: save the sheet as .xlsx or CSV",
        }
    ]


async def test_the_form_fields_are_validated(stack: Stack) -> None:
    body = problem(
        await upload(stack, "reception", campaign_csv("FORM", 1), reference="x" * 101), 422
    )

    assert [e["field"] for e in body["errors"]] == ["reference"]


@pytest.mark.parametrize("user", ["requester", "analyst", "reviewer"])
async def test_only_reception_and_admin_import(stack: Stack, user: str) -> None:
    batch = f"ROLE-{uuid.uuid4().hex[:6]}"
    problem(await upload(stack, user, campaign_csv(batch, 2)), 403)
    anonymous = await stack.client.post(PATH, files={"file": ("c.csv", campaign_csv(batch, 2))})
    problem(anonymous, 401)
    assert await registered(stack, batch) == 0
