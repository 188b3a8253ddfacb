"""`python3 dev.py bench breakdown`: where a lifecycle's CPU goes, process by process.

Runs N lifecycles through the gateway, then N bare ones, and prints each process's CPU time
per lifecycle (user + system, from /proc), the bench's own driver included. CPU time, unlike
throughput, hardly moves with the shared machine's drift, so it shows what a change saved.
Linux only (reads /proc).
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import Client

from bench.__main__ import BARE_QUEUE, activities_per_update, bare_lifecycle, throughput
from bench.driver import Gateway
from deploy.local.launcher import StackConfig, running
from kernel.grpc_server import exit_after_shutdown
from kernel.settings import ROOT

_TICKS = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, int]:
    """Parent pid of every process on the machine."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def cpu_by_process() -> dict[str, float]:
    """CPU seconds of each descendant of this process, by a short name of its command line."""
    parents = _children()
    family: set[int] = set()
    frontier = {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - family
        family |= frontier
    seconds: dict[str, float] = {}
    for pid in family:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = _name([a.decode() for a in argv if a])
        seconds[name] = seconds.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / _TICKS
    return seconds


def _name(argv: list[str]) -> str:
    if "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1]
    return " ".join(Path(a).name for a in argv[:3])


async def breakdown(label: str, n: int, one: Callable[[], Awaitable[object]]) -> None:
    before, driver_before = cpu_by_process(), sum(os.times()[:2])
    rate = await throughput(n, one)
    after, driver = cpu_by_process(), sum(os.times()[:2]) - driver_before
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    spent["(bench driver)"] = driver
    total = sum(spent.values())
    print(f"{label}: {n} lifecycles at {rate:.2f}/s; CPU per lifecycle {total / n * 1000:.0f} ms")
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        if seconds >= 0.005 * total:
            print(f"  {seconds / n * 1000:6.1f} ms  {name}")


async def measure(config: StackConfig, n: int) -> None:
    client = await Client.connect(f"127.0.0.1:{config.temporal_port}")
    gateway = await Gateway.open(config.gateway_url)
    try:
        warm = await gateway.new_sample()
        await warm.run_lifecycle()
        steps = await activities_per_update(client, warm.lab_number)
        await bare_lifecycle(client, steps)

        async def ours() -> None:
            sample = await gateway.new_sample()
            await sample.run_lifecycle()

        await breakdown("through the gateway", n, ours)
        await breakdown("bare Temporal", n, lambda: bare_lifecycle(client, steps))
    finally:
        await gateway.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=20, help="lifecycles run at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lims-bench-") as tmp:
        config = StackConfig.on_free_ports(Path(tmp))
        print("starting the stack (SQLite, embedded default) ...", flush=True)
        with running(config):
            bare = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.bare",
                    f"127.0.0.1:{config.temporal_port}",
                    BARE_QUEUE,
                ],
                cwd=ROOT,
            )
            try:
                asyncio.run(measure(config, args.samples))
            finally:
                bare.terminate()
                bare.wait()
    return 0


if __name__ == "__main__":
    exit_after_shutdown(main())
