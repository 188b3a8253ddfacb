"""Turnaround targets per purpose and priority (seeded with DESIGN §5's defaults, in calendar
days), the lab calendar (working weekdays, Monday to Friday, and non-working dates), and on each
sample the basis of its target and the target as calendar time fixed at receipt.

Samples that exist already keep their target in calendar days; 0 seconds tells the workflow to
use the days, as it always did.

Revision ID: 0005
Revises: 0004

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURPOSES = ("registration", "batch_release", "market_surveillance", "complaint", "suspected_falsified")
PRIORITIES = ("routine", "urgent")
BASES = ("calendar_days", "working_days")
# The values of the defaults when this revision was written (urgent: half, rounded up).
DEFAULTS = (
    ("registration", "routine", 60),
    ("registration", "urgent", 30),
    ("batch_release", "routine", 15),
    ("batch_release", "urgent", 8),
    ("market_surveillance", "routine", 30),
    ("market_surveillance", "urgent", 15),
    ("complaint", "routine", 10),
    ("complaint", "urgent", 5),
    ("suspected_falsified", "routine", 3),
    ("suspected_falsified", "urgent", 2),
)


def _basis() -> sa.Enum:
    return sa.Enum(*BASES, name="basis", native_enum=False, length=30)


def upgrade() -> None:
    """Upgrade schema."""
    targets = op.create_table(
        "turnaround_targets",
        sa.Column(
            "purpose",
            sa.Enum(*PURPOSES, name="purpose", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum(*PRIORITIES, name="priority", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("basis", _basis(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("purpose", "priority", name=op.f("pk_turnaround_targets")),
    )
    calendar = op.create_table(
        "lab_calendar",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("working_weekdays", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_calendar")),
    )
    op.create_table(
        "holidays",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holidays")),
    )
    with op.batch_alter_table("samples") as batch:
        batch.add_column(
            sa.Column("sla_basis", _basis(), server_default="calendar_days", nullable=False)
        )
        batch.add_column(
            sa.Column("sla_target_seconds", sa.Integer(), server_default="0", nullable=False)
        )
    op.bulk_insert(
        targets,
        [
            {
                "purpose": purpose,
                "priority": priority,
                "days": days,
                "basis": "calendar_days",
                "updated_at": None,
                "updated_by": "",
            }
            for purpose, priority, days in DEFAULTS
        ],
    )
    op.bulk_insert(
        calendar,
        [{"id": 1, "working_weekdays": "1,2,3,4,5", "updated_at": None, "updated_by": ""}],
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("sla_target_seconds")
        batch.drop_column("sla_basis")
    op.drop_table("holidays")
    op.drop_table("lab_calendar")
    op.drop_table("turnaround_targets")
