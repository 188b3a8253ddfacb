"""Alembic, one tree per service: the shared env.py body and the upgrade/revision commands.

python -m kernel.migrations revision <service> "message"   autogenerate a revision
python -m kernel.migrations upgrade <service>              upgrade the configured database
"""

import sys

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool

from kernel.db import sync_url
from kernel.settings import ROOT, ServiceName, get_settings


def config(service: str, url: str) -> Config:
    """Alembic configuration for one service's migration tree and database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).render_as_string(hide_password=False))
    return cfg


def upgrade(service: str, url: str) -> None:
    """Brings the database to the newest revision (idempotent)."""
    command.upgrade(config(service, url), "head")


def run_env(metadata: MetaData) -> None:
    """Body of every service's migrations/env.py (online mode only)."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by kernel.migrations.config"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copy
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas starting together must not migrate at once: the first one does,
                # the others wait here and then find nothing to do.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7051923)")
            context.run_migrations()
    engine.dispose()


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("revision", "upgrade"):
        print(__doc__)
        return 2
    service: ServiceName = argv[1]  # type: ignore[assignment]
    cfg = config(service, get_settings().database_url(service))
    if argv[0] == "upgrade":
        command.upgrade(cfg, "head")
    else:
        command.upgrade(cfg, "head")
        command.revision(cfg, message=" ".join(argv[2:]) or "change", autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
