"""Alembic environment of the reporting service (the body is shared: kernel.migrations.run_env)."""

from kernel.migrations import run_env
from services.reporting.models import Base

run_env(Base.metadata)
