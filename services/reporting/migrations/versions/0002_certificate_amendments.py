"""Amended certificates: each version after the first names the one it replaces and why.

Revision ID: 0002_amendments
Revises: 0001

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002_amendments"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("replaces", sa.String(30), server_default="", nullable=False))
        batch.add_column(
            sa.Column("amendment_reason", sa.Text(), server_default="", nullable=False)
        )
    with op.batch_alter_table("certificate_pdfs") as batch:
        batch.create_index("ix_certificate_pdfs_pdf_hash", ["pdf_hash"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("certificate_pdfs") as batch:
        batch.drop_index("ix_certificate_pdfs_pdf_hash")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("amendment_reason")
        batch.drop_column("replaces")
