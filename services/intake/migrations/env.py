"""Alembic environment of the intake service (the body is shared: kernel.migrations.run_env)."""

from kernel.migrations import run_env
from services.intake.models import Base

run_env(Base.metadata)
