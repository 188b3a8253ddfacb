"""Chain of custody: storage locations and the movements of samples.

Revision ID: 0003
Revises: 0002

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CUSTODY_KINDS = ("stored", "handed_to_analyst", "returned", "retained", "disposed")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "storage_locations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("conditions", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_locations")),
        sa.UniqueConstraint("code", name=op.f("uq_storage_locations_code")),
    )
    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*CUSTODY_KINDS, name="custodykind", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("handed_to", sa.String(length=100), nullable=False),
        sa.Column("witness", sa.String(length=100), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("event_key", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["storage_locations.id"],
            name=op.f("fk_custody_events_location_id_storage_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_custody_events_sample_id_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_events")),
        # Also the index that reads one sample's movements.
        sa.UniqueConstraint(
            "sample_id", "event_key", name=op.f("uq_custody_events_sample_id_event_key")
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("custody_events")
    op.drop_table("storage_locations")
