"""Indexes for the sample list's orders: soonest due first, and product name A-Z then newest.

The due-time index gains the id (the order's tie-break) and replaces the one on sla_due_at
alone, which the overdue filter used: the new index serves that filter as well.

Revision ID: 0002
Revises: 0001

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index("ix_samples_sla_due_at_id", "samples", ["sla_due_at", "id"])
    op.drop_index("ix_samples_sla_due_at", table_name="samples")
    op.create_index(
        "ix_samples_product_name_id", "samples", ["product_name", sa.literal_column("id DESC")]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_samples_product_name_id", table_name="samples")
    op.create_index("ix_samples_sla_due_at", "samples", ["sla_due_at"])
    op.drop_index("ix_samples_sla_due_at_id", table_name="samples")
