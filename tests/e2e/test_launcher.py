"""The run command itself: it prints the URLs, Ctrl-C stops everything cleanly, and a restart
keeps the data."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from deploy.local.launcher import SERVICES, free_port
from kernel.settings import ROOT
from tests.support.api import Api

pytestmark = pytest.mark.e2e


def start_launcher(env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    """Runs the launcher until it prints its banner; returns the process and what it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.local.launcher"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 90
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "Demo accounts" in line:
            return process, lines
    process.kill()
    raise AssertionError("launcher did not print its banner:\n" + "\n".join(lines))


def test_ctrl_c_stops_everything_and_a_restart_keeps_the_data(tmp_path: Path) -> None:
    gateway_port = free_port()
    env = dict(
        os.environ,
        LIMS_VAR_DIR=str(tmp_path / "var"),
        LIMS_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",
        LIMS_TEMPORAL_UI_PORT=str(free_port()),
        LIMS_GATEWAY_PORT=str(gateway_port),
        **{f"LIMS_{name.upper()}_ADDRESS": f"127.0.0.1:{free_port()}" for name in SERVICES},
    )
    base = f"http://127.0.0.1:{gateway_port}"

    process, banner = start_launcher(env)
    text = "\n".join(banner)
    assert f"{base}/docs" in text
    assert f"127.0.0.1:{env['LIMS_TEMPORAL_UI_PORT']}" in text
    lab = Api(base, "reception").create_request(requester="requester")["samples"][0]["lab_number"]

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/healthz", timeout=1)

    process, _ = start_launcher(env)
    try:
        reception = Api(base, "reception")
        assert reception.sample(lab)["status"] == "registered"
        # The workflow survived the restart too: it still takes the next step.
        assert reception.ok(reception.receive(lab))["status"] == "received"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
