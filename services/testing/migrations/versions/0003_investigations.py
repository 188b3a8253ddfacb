"""Out-of-specification investigations, and the invalidation of a result they may decide (the
result's values stay; only the reason, who and when are added).

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


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("results") as batch:
        batch.add_column(
            sa.Column("invalidated_reason", sa.Text(), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("invalidated_by", sa.String(length=100), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("invalidated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "investigations",
        sa.Column("investigation_id", sa.String(length=80), nullable=False),
        sa.Column("lab_number", sa.String(length=40), nullable=False),
        sa.Column("test_id", sa.String(length=50), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("analyst", sa.String(length=100), nullable=False),
        sa.Column("reportable_value", sa.Text(), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phase_1_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phase_2_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalations", sa.JSON(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("phase_1_summary", sa.Text(), nullable=False),
        sa.Column("phase_1_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("retest_analyst", sa.String(length=100), nullable=False),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signatures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["test_id"], ["tests.test_id"], name="fk_investigations_test_id_tests"),
        sa.PrimaryKeyConstraint("investigation_id", name="pk_investigations"),
        sa.UniqueConstraint("test_id", "attempt", name="uq_investigations_test_id_attempt"),
    )
    op.create_index("ix_investigations_lab_number", "investigations", ["lab_number"])
    op.create_index("ix_investigations_phase", "investigations", ["phase"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_investigations_phase", table_name="investigations")
    op.drop_index("ix_investigations_lab_number", table_name="investigations")
    op.drop_table("investigations")
    with op.batch_alter_table("results") as batch:
        batch.drop_column("invalidated_at")
        batch.drop_column("invalidated_by")
        batch.drop_column("invalidated_reason")
