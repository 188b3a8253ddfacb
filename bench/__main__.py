"""`python3 dev.py bench`: the lifecycle through the whole stack next to a bare Temporal floor.

(a) full lifecycles per second for N samples driven through the gateway, next to a bare workflow
    with the same number of updates and activities (counted from the real history) on the same
    Temporal server; target ratio >= 0.7.
(b) p50/p99 latency of one human action (submit result) through the gateway, next to a bare
    update that runs one activity; target ratio <= 3.
"""

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench.bare import BareLifecycle, BareStep
from bench.driver import Gateway, Sample
from deploy.local.launcher import StackConfig, running
from kernel.grpc_server import exit_after_shutdown
from kernel.settings import ROOT
from workflows.contracts import sample_workflow_id

BARE_QUEUE = "bench-bare"


async def activities_per_update(client: Client, lab_number: str) -> list[int]:
    """For each update of a finished lifecycle, the activities it ran (updates driven one at a time)."""
    counts: list[int] = []
    handle = client.get_workflow_handle(sample_workflow_id(lab_number))
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            counts.append(0)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED and counts:
            counts[-1] += 1
    return counts


async def bare_lifecycle(client: Client, steps: list[int]) -> None:
    handle = await client.start_workflow(
        BareLifecycle.run, len(steps), id=f"bare-{uuid.uuid4()}", task_queue=BARE_QUEUE
    )
    for activities in steps:
        await handle.execute_update(BareLifecycle.step, BareStep(activities))
    await handle.result()


async def throughput(n: int, one: Callable[[], Awaitable[object]]) -> float:
    """Lifecycles per second when n run at once."""
    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return n / (time.perf_counter() - started)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


async def measure(config: StackConfig, n: int, rounds: int, actions: int) -> None:
    client = await Client.connect(f"127.0.0.1:{config.temporal_port}")
    gateway = await Gateway.open(config.gateway_url)
    try:
        # Warm up both paths, and learn the shape of a real lifecycle from its history.
        warm = await gateway.new_sample()
        await warm.run_lifecycle()
        steps = await activities_per_update(client, warm.lab_number)
        await bare_lifecycle(client, steps)
        tests = len(warm.tests)
        print(
            f"one lifecycle: {tests} tests, {len(steps)} updates, {sum(steps)} activities "
            f"(per update: {steps})"
        )

        async def ours() -> None:
            sample = await gateway.new_sample()
            await sample.run_lifecycle()

        # Rounds alternate the two, so that drift in the machine's speed (a shared VM's
        # neighbours) falls on both sides; the median round's ratio is the figure.
        ratios = []
        for round_number in range(1, rounds + 1):
            ours_rate = await throughput(n, ours)
            bare_rate = await throughput(n, lambda: bare_lifecycle(client, steps))
            ratios.append(ours_rate / bare_rate)
            print(
                f"(a) round {round_number}: {n} lifecycles at once: gateway {ours_rate:.2f}/s, "
                f"bare Temporal {bare_rate:.2f}/s, ratio {ratios[-1]:.2f}"
            )
        ratio_a = statistics.median(ratios)
        print(
            f"    median ratio {ratio_a:.2f} (target >= 0.7) {'OK' if ratio_a >= 0.7 else 'MISSED'}"
        )

        # (b) One action at a time: submit result through the gateway vs one bare update.
        pending: list[tuple[Sample, str]] = []
        while len(pending) < actions:
            sample = await gateway.new_sample()
            await sample.receive_and_assign()
            pending += [(sample, test_id) for test_id in sample.tests]
        ours_times = []
        for sample, test_id in pending[:actions]:
            started = time.perf_counter()
            await sample.submit(test_id)
            ours_times.append(time.perf_counter() - started)
        handle = await client.start_workflow(
            BareLifecycle.run, actions, id=f"bare-{uuid.uuid4()}", task_queue=BARE_QUEUE
        )
        bare_times = []
        for _ in range(actions):
            started = time.perf_counter()
            await handle.execute_update(BareLifecycle.step, BareStep(1))
            bare_times.append(time.perf_counter() - started)
        ours_p50, ours_p99 = percentiles(ours_times)
        bare_p50, bare_p99 = percentiles(bare_times)
        print(
            f"(b) submit result, {actions} one at a time: gateway p50 {ours_p50:.1f} ms, "
            f"p99 {ours_p99:.1f} ms; bare update p50 {bare_p50:.1f} ms, p99 {bare_p99:.1f} ms"
        )
        ratio_p50, ratio_p99 = ours_p50 / bare_p50, ours_p99 / bare_p99
        verdict = "OK" if max(ratio_p50, ratio_p99) <= 3 else "MISSED"
        print(f"    ratio p50 {ratio_p50:.2f}, p99 {ratio_p99:.2f} (target <= 3) {verdict}")
    finally:
        await gateway.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=20, help="lifecycles run at once in (a)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of (a)")
    parser.add_argument("--actions", type=int, default=60, help="actions timed in (b)")
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
                asyncio.run(measure(config, args.samples, args.rounds, args.actions))
            finally:
                bare.terminate()
                bare.wait()
    return 0


if __name__ == "__main__":
    # grpc.aio's poller thread can abort interpreter finalization (kernel.grpc_server).
    exit_after_shutdown(main())
