"""What the KPI figures read without touching the timeline: when a sample was released, the time
it spent on hold, and its turnaround; indexes for the period filters.

Samples released before this revision take their release time from their last status change
(the release is the last one) and their turnaround from receipt to then: their holds, if any,
are not known apart and are counted.

Revision ID: 0008
Revises: 0007

"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("samples") as batch:
        batch.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("held_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("hold_seconds", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("turnaround_seconds", sa.Integer(), nullable=True))
    op.create_index("ix_samples_received_at", "samples", ["received_at"])
    op.create_index("ix_samples_released_at", "samples", ["released_at"])
    op.execute(
        "UPDATE samples SET released_at = (SELECT max(e.at) FROM sample_events e"
        " WHERE e.sample_id = samples.id AND e.action = 'status_changed')"
        " WHERE status = 'released'"
    )
    _backfill_turnaround()


def _backfill_turnaround() -> None:
    # Date arithmetic differs between SQLite and PostgreSQL: done in Python, a sample at a time
    # (released samples before this revision are few: the KPIs came with it).
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, received_at, released_at FROM samples"
            " WHERE released_at IS NOT NULL AND received_at IS NOT NULL"
        )
    ).all()
    for sample_id, received_at, released_at in rows:
        received, released = _aware(received_at), _aware(released_at)
        seconds = max(0, int((released - received).total_seconds()))
        bind.execute(
            sa.text("UPDATE samples SET turnaround_seconds = :s WHERE id = :id"),
            {"s": seconds, "id": sample_id},
        )


def _aware(value: object) -> datetime:
    if isinstance(value, str):  # SQLite through a raw query
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_samples_released_at", table_name="samples")
    op.drop_index("ix_samples_received_at", table_name="samples")
    with op.batch_alter_table("samples") as batch:
        for name in ("turnaround_seconds", "hold_seconds", "held_since", "released_at"):
            batch.drop_column(name)
