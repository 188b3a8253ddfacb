"""The gateway's side of the SampleRetention workflow: started when a sample's retained part is
put away, told when the sample is disposed of."""

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from kernel.timefmt import to_rfc3339
from services.gateway.clients import Connections
from services.gateway.lifecycle import _reachable
from workflows.contracts import ActorRef, DisposalInput, RetentionInput, retention_workflow_id
from workflows.retention import SampleRetention

log = logging.getLogger(__name__)


def due_at(retain_until: date, timezone: str) -> datetime:
    """When the reminder falls: the start of the day after the last day kept, lab time."""
    return datetime.combine(retain_until + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone))


async def start(clients: Connections, lab_number: str, retain_until: str) -> None:
    """Starts the sample's disposal reminder; starting it again changes nothing (one workflow
    per sample, never a second one once it has ended)."""
    if not retain_until:
        return
    until = date.fromisoformat(retain_until)
    data = RetentionInput(
        lab_number=lab_number,
        retain_until=retain_until,
        due_at=to_rfc3339(due_at(until, clients.settings.timezone)),
    )
    try:
        with _reachable():
            await clients.temporal.start_workflow(
                SampleRetention.run,
                data,
                id=retention_workflow_id(lab_number),
                task_queue=clients.settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"{lab_number}: retained until {retain_until}",
            )
    except WorkflowAlreadyStartedError:
        pass


async def disposed(clients: Connections, lab_number: str, actor: ActorRef) -> None:
    """Ends the sample's reminder. Best effort: the disposal is recorded in intake already, and
    a reminder that missed this signal finds it there when its timer falls."""
    handle = clients.temporal.get_workflow_handle(retention_workflow_id(lab_number))
    try:
        with _reachable():
            await handle.signal(SampleRetention.disposed, DisposalInput(actor=actor))
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            log.warning("could not end the retention reminder of %s: %s", lab_number, error)
    except Exception as error:
        log.warning("could not end the retention reminder of %s: %s", lab_number, error)
