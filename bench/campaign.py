"""`python3 dev.py bench campaign`: a generated campaign of 1,000 rows imported through the whole
stack (SQLite, embedded default), timed from the upload to the answer, which comes once intake
has registered every sample and every lifecycle has started. Target: under 60 s.

The import goes through the command's own code (services.gateway.campaign_cli), so the figure is
what reception sees running `python3 dev.py import-campaign`.
"""

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from deploy.local.launcher import StackConfig, running
from kernel.grpc_server import exit_after_shutdown
from services.gateway.campaign_cli import post_file, sign_in
from services.gateway.domain import DEMO_PASSWORD

TARGET_SECONDS = 60.0
PRODUCTS = ("PARA-500-TAB", "AMOX-500-CAP")


def campaign_csv(rows: int) -> bytes:
    """A French campaign file (`;`, BOM, day-first dates) of `rows` samples."""
    lines = ["Code produit;Lot;Fabricant;Date de fabrication;Date de péremption;Quantité;Unité"]
    for n in range(1, rows + 1):
        product = PRODUCTS[n % len(PRODUCTS)]
        lines.append(f"{product};BENCH-{n:05d};Laprophan;01/03/2025;28/02/2028;100;comprimés")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def measure(base_url: str, rows: int, directory: Path) -> float:
    """Seconds for one import of `rows` rows (the answer carries every lab number)."""
    path = directory / f"campaign-{rows}.csv"
    content = campaign_csv(rows)
    path.write_bytes(content)
    form = {"purpose": "market_surveillance", "reference": f"BENCH-{rows}", "dry_run": "false"}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        token = sign_in(client, "reception", DEMO_PASSWORD)
        # Warm up: one small import, so the first workflow starts do not weigh on the figure.
        post_file(client, token, path, campaign_csv(2), form).raise_for_status()
        started = time.perf_counter()
        answer = post_file(client, token, path, content, form)
        elapsed = time.perf_counter() - started
    if answer.status_code != 201:
        raise SystemExit(f"import refused: {answer.status_code} {answer.text[:2000]}")
    samples = answer.json()["samples"]
    assert len(samples) == rows, len(samples)
    print(f"    {samples[0]['lab_number']} to {samples[-1]['lab_number']}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000, help="rows of the generated file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lims-bench-campaign-") as tmp:
        config = StackConfig.on_free_ports(Path(tmp))
        print("starting the stack (SQLite, embedded default) ...", flush=True)
        with running(config):
            elapsed = measure(config.gateway_url, args.rows, Path(tmp))
    verdict = "OK" if elapsed < TARGET_SECONDS else "MISSED"
    print(
        f"campaign import: {args.rows} rows in {elapsed:.1f} s, lifecycles started "
        f"({args.rows / elapsed:.0f} rows/s; target < {TARGET_SECONDS:.0f} s) {verdict}"
    )
    return 0 if elapsed < TARGET_SECONDS else 1


if __name__ == "__main__":
    # grpc.aio's poller thread can abort interpreter finalization (kernel.grpc_server).
    exit_after_shutdown(main())
