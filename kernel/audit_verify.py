"""Verifies the audit chains straight from the services' databases, for the server's operator.

python -m kernel.audit_verify [service ...]     (python3 dev.py audit-verify)

Opens each service's database from the settings (LIMS_*_DATABASE_URL, or the SQLite files
under var/), walks its chain and prints one line per service; exits 1 if any chain is broken
or cannot be read. It needs no running service: that is the point when one is suspected.
"""

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from sqlalchemy import create_engine, inspect, pool
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kernel.audit import AuditEntryMixin, AuditHeadMixin, ChainCheck, verify_chain
from kernel.db import is_sqlite, sync_url
from kernel.settings import ServiceName, Settings, get_settings

SERVICES: tuple[ServiceName, ...] = get_args(ServiceName)


@dataclass(frozen=True)
class ChainReport:
    """One service's chain: its check, or why it could not be checked."""

    service: ServiceName
    check: ChainCheck | None
    error: str = ""

    @property
    def ok(self) -> bool:
        """The chain was read and is intact."""
        return self.check is not None and self.check.intact

    def line(self) -> str:
        """The report as one line of text."""
        if self.check is None:
            return f"{self.service:<10} ERROR   {self.error}"
        if self.check.intact:
            return f"{self.service:<10} intact  {self.check.entries} entries"
        return (
            f"{self.service:<10} BROKEN  at seq {self.check.broken_at}: {self.check.problem} "
            f"({self.check.entries} sound entries before it)"
        )


def _models(service: ServiceName) -> tuple[type[AuditEntryMixin], type[AuditHeadMixin]]:
    # Imported by name: the kernel does not depend on the services, only this tool reads them.
    module = importlib.import_module(f"services.{service}.models")
    return module.AuditEntry, module.AuditHead


def verify_service(service: ServiceName, url: str) -> ChainReport:
    """Walks one service's chain in the database at `url`."""
    if is_sqlite(url):
        path = make_url(url).database
        if not path or not Path(path).exists():
            return ChainReport(service, None, f"no database at {path} (has the service run?)")
    entry_model, head_model = _models(service)
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with Session(engine) as session, session.begin():
            if not inspect(session.connection()).has_table(entry_model.__tablename__):
                return ChainReport(service, None, "no audit table (has the service run?)")
            return ChainReport(service, verify_chain(session, entry_model, head_model))
    except SQLAlchemyError as error:
        return ChainReport(service, None, f"cannot read the database: {error}")
    finally:
        engine.dispose()


def verify_all(
    settings: Settings, services: tuple[ServiceName, ...] = SERVICES
) -> list[ChainReport]:
    """Walks the chain of every service asked for, from the databases the settings name."""
    return [verify_service(name, settings.database_url(name)) for name in services]


def main(argv: list[str]) -> int:
    """Prints each chain's result; 0 if all are intact, 1 if any is broken or unreadable."""
    unknown = [name for name in argv if name not in SERVICES]
    if unknown:
        print(f"unknown service {', '.join(unknown)}; one of: {', '.join(SERVICES)}")
        return 2
    services = tuple(name for name in SERVICES if name in argv) or SERVICES
    reports = verify_all(get_settings(), services)
    for report in reports:
        print(report.line())
    return 0 if all(report.ok for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
