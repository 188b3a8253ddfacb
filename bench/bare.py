"""The floor: a bare Temporal workflow with the same number of updates and activities as a
sample's lifecycle, whose activities do nothing. Run as a worker process:

    python -m bench.bare <temporal address> <task queue>
"""

import asyncio
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


@dataclass
class BareStep:
    """One human step: how many activities it runs."""

    activities: int


@activity.defn
async def noop(step: int) -> int:
    """Does nothing: the cost of an activity round trip alone."""
    return step


@workflow.defn
class BareLifecycle:
    """Waits for `steps` updates, each running its activities, then ends."""

    def __init__(self) -> None:
        self.remaining = 0
        self.done = 0

    @workflow.run
    async def run(self, steps: int) -> int:
        self.remaining = steps
        await workflow.wait_condition(lambda: self.remaining == 0)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.done

    @workflow.update
    async def step(self, step: BareStep) -> int:
        for i in range(step.activities):
            await workflow.execute_activity(noop, i, start_to_close_timeout=timedelta(seconds=30))
        self.done += 1
        self.remaining -= 1
        return self.done


async def main(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    worker = Worker(client, task_queue=task_queue, workflows=[BareLifecycle], activities=[noop])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
