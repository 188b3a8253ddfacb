"""Indexes for the KPI figures' period filters: results by submission time, investigations by
opening time.

Revision ID: 0006
Revises: 0005

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index("ix_results_submitted_at", "results", ["submitted_at"])
    op.create_index("ix_investigations_opened_at", "investigations", ["opened_at"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_investigations_opened_at", table_name="investigations")
    op.drop_index("ix_results_submitted_at", table_name="results")
