"""ReportingService.RenderLabels over a real gRPC server: the PDF a label printer gets.

Labels write nothing, so one SQLite database is enough (the service still starts as in
production: migrations, then the server)."""

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
import pytest
from pypdf import PdfReader

from kernel.db import Database
from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting import main
from tests.support.databases import sqlite_url
from tests.support.grpc import serving

if TYPE_CHECKING:
    from lims.reporting.v1.reporting_pb2_grpc import ReportingServiceAsyncStub

RECEPTION = common_pb2.Actor(username="reception", full_name="Salma Idrissi", role="reception")
MM = 72 / 25.4  # PDF points per millimetre


def labels_request(**fields: object) -> reporting_pb2.RenderLabelsRequest:
    """A printable request for a sample with two aliquots; keyword arguments override fields."""
    values: dict[str, object] = {
        "lab_number": "LNCM-2026-00007",
        "product_name": "Paracetamol 500 mg tablets",
        "batch_number": "PT24117",
        "expiry_date": "2028-08-31",
        "aliquots": 2,
        "actor": RECEPTION,
    }
    values.update(fields)
    return reporting_pb2.RenderLabelsRequest(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def reporting_service(directory: Path) -> AsyncIterator["ReportingServiceAsyncStub"]:
    """The reporting service on a free port."""
    db = Database(sqlite_url(directory, "reporting"))
    settings = Settings(var_dir=directory)
    await main.setup(db, settings)
    try:
        async with serving(main.register(db, settings), main.SERVICE_NAMES) as channel:
            yield reporting_pb2_grpc.ReportingServiceStub(channel)  # type: ignore[misc]
    finally:
        await db.dispose()


async def test_a_sample_with_n_aliquots_gets_n_plus_one_labels_one_a_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.reporting.grpc_server")
    async with reporting_service(tmp_path) as stub:
        sheet = await stub.RenderLabels(labels_request(aliquots=3))
    codes = ["LNCM-2026-00007"] + [f"LNCM-2026-00007-A{n}" for n in (1, 2, 3)]
    assert (sheet.label_count, list(sheet.codes)) == (4, codes)
    pages = PdfReader(io.BytesIO(sheet.pdf)).pages
    assert len(pages) == 4
    for index, (page, code) in enumerate(zip(pages, codes, strict=True)):
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (62 * MM, 40 * MM), abs=0.1
        )
        lines = page.extract_text().splitlines()
        assert code in lines  # the code on its own line, not a prefix of another
        text = "\n".join(lines)
        assert "Paracetamol 500 mg tablets" in text
        assert "PT24117" in text and "2028-08-31" in text
        part = "Échantillon / Sample" if index == 0 else f"Aliquot {index} of 3"
        assert part in text
    assert any(
        "labels printed: LNCM-2026-00007, 4 label(s), by reception" in record.getMessage()
        and record.levelno == logging.INFO
        for record in caplog.records
    )


async def test_no_aliquots_is_the_sample_label_alone(tmp_path: Path) -> None:
    async with reporting_service(tmp_path) as stub:
        sheet = await stub.RenderLabels(labels_request(aliquots=0, batch_number="", expiry_date=""))
    assert (sheet.label_count, list(sheet.codes)) == (1, ["LNCM-2026-00007"])
    (page,) = PdfReader(io.BytesIO(sheet.pdf)).pages
    assert "LNCM-2026-00007" in page.extract_text()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"aliquots": 51}, "aliquots must be between 0 and 50, not 51"),
        ({"lab_number": ""}, "lab_number is required"),
        ({"lab_number": "LNCM 2026"}, "cannot be printed as a barcode"),
        ({"expiry_date": "2028-02-30"}, "is not a date"),
        ({"product_name": ""}, "product_name is required"),
    ],
)
async def test_a_request_that_cannot_be_printed_is_invalid(
    tmp_path: Path, fields: dict[str, object], message: str
) -> None:
    async with reporting_service(tmp_path) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.RenderLabels(labels_request(**fields))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in str(caught.value.details())
