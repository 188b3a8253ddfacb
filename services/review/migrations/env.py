"""Alembic environment of the review service (the body is shared: kernel.migrations.run_env)."""

from kernel.migrations import run_env
from services.review.models import Base

run_env(Base.metadata)
