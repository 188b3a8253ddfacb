"""Units one full analysis of a product needs (reception checks 3 x this at receipt: the test plan
and a retained part for two re-analyses, WHO TRS 957 §20.1). Existing products get 0, "not
stated", until their definition is loaded again (the demo seed sets its values on start).

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
    with op.batch_alter_table("products") as batch:
        batch.add_column(
            sa.Column("units_per_analysis", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("products") as batch:
        batch.drop_column("units_per_analysis")
