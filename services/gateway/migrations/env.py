"""Alembic environment of the gateway (the body is shared: kernel.migrations.run_env)."""

from kernel.migrations import run_env
from services.gateway.models import Base

run_env(Base.metadata)
