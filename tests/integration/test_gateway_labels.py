"""Sample and aliquot labels through the REST API: who may print them, for which sample, how many.

Runs against the real services, a Temporal dev server and the real worker, started once for the
module (tests.support.gateway.full_stack, SQLite files). Each test makes its own samples."""

import io
from collections.abc import AsyncIterator

import pypdf
import pytest

from tests.support.gateway import Stack, full_stack, problem

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with full_stack(tmp_path_factory.mktemp("gateway-labels")) as running:
        yield running


def pages_of(pdf: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


async def test_reception_prints_the_sample_label_and_two_aliquot_labels_by_default(
    stack: Stack,
) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    answer = await stack.get("reception", f"/api/v1/samples/{lab}/labels.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'inline; filename="{lab}-labels.pdf"'
    pages = pages_of(answer.content)
    assert len(pages) == 3
    for text, code in zip(pages, [lab, f"{lab}-A1", f"{lab}-A2"], strict=True):
        assert code in text.splitlines()
        assert "Paracetamol 500 mg tablets" in text and "PT24117" in text
        assert "2028-02-29" in text


async def test_any_staff_member_chooses_the_number_of_aliquots(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    five = await stack.get("analyst", f"/api/v1/samples/{lab}/labels.pdf", params={"aliquots": 5})
    assert five.status_code == 200, five.text
    assert len(pages_of(five.content)) == 6
    assert f"{lab}-A5" in pages_of(five.content)[5]
    none = await stack.get("quality", f"/api/v1/samples/{lab}/labels.pdf", params={"aliquots": 0})
    assert len(pages_of(none.content)) == 1
    for wrong in ("51", "-1", "two"):
        refusal = problem(
            await stack.get(
                "reception", f"/api/v1/samples/{lab}/labels.pdf", params={"aliquots": wrong}
            ),
            422,
        )
        assert refusal["errors"][0]["field"] == "aliquots"


async def test_labels_of_an_unknown_sample_are_not_found(stack: Stack) -> None:
    answer = await stack.get("reception", "/api/v1/samples/LNCM-1999-99999/labels.pdf")
    assert "no sample LNCM-1999-99999" in problem(answer, 404)["detail"]


async def test_a_requester_prints_no_labels_not_even_of_their_own_sample(stack: Stack) -> None:
    lab = (await stack.create())["samples"][0]["lab_number"]
    answer = await stack.get("requester", f"/api/v1/samples/{lab}/labels.pdf")
    assert "needs one of the roles" in problem(answer, 403)["detail"]
    anonymous = await stack.client.get(f"/api/v1/samples/{lab}/labels.pdf")
    problem(anonymous, 401)
