"""The real stack, as `python3 dev.py run` starts it, on free ports: once on SQLite, once on
PostgreSQL (a fresh database per service, dropped afterwards)."""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from deploy.local.launcher import SERVICES, Stack, StackConfig, running
from tests.support.databases import postgres_database

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The whole system: Temporal dev server, four services, worker, gateway."""
    var_dir: Path = tmp_path_factory.mktemp(f"var-{request.param}")
    with ExitStack() as exits:
        urls: dict[str, str] = {}
        if request.param == "postgres":
            for name in (*SERVICES, "gateway"):
                urls[name] = exits.enter_context(postgres_database(f"lims_e2e_{name}"))
        config = StackConfig.on_free_ports(var_dir, database_urls=urls)
        try:
            yield exits.enter_context(running(config, timeout=90))
        finally:
            # On failure the logs say why; keep them with the test output.
            for log in sorted((var_dir / "logs").glob("*.log")):
                tail = log.read_text(errors="replace").splitlines()[-15:]
                if any("Traceback" in line or "ERROR" in line for line in tail):
                    print(f"--- {log.name} (last lines) ---", *tail, sep="\n")
