"""Resources that gate testing: analysts' qualifications, instruments, reference standards,
reagents; the instrument and lots named at assignment and used for each result; files attached
to results. Existing tests and results name none ('' and [])."""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USED = ("tests", "results")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "qualifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("analyst", sa.String(length=100), nullable=False),
        sa.Column("technique", sa.String(length=50), nullable=False),
        sa.Column("qualified_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("training_record", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
        sa.UniqueConstraint(
            "analyst", "technique", name=op.f("uq_qualifications_analyst_technique")
        ),
    )
    op.create_index(
        op.f("ix_qualifications_analyst"), "qualifications", ["analyst"], unique=False
    )
    op.create_table(
        "instruments",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("techniques", sa.JSON(), nullable=False),
        sa.Column("calibration_due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("out_of_service_reason", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_instruments")),
    )
    op.create_table(
        "reference_standards",
        sa.Column("lot", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.String(length=30), nullable=False),
        sa.Column("quantity_unit", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lot", name=op.f("pk_reference_standards")),
    )
    op.create_table(
        "reagents",
        sa.Column("lot", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lot", name=op.f("pk_reagents")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("test_id", sa.String(length=50), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_username", sa.String(length=100), nullable=False),
        sa.Column("uploaded_by_full_name", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["test_id"], ["tests.test_id"], name=op.f("fk_attachments_test_id_tests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("test_id", "sha256", name=op.f("uq_attachments_test_id_sha256")),
    )
    op.create_index(op.f("ix_attachments_test_id"), "attachments", ["test_id"], unique=False)
    for table in _USED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("instrument_code", sa.String(40), server_default="", nullable=False)
            )
            batch.add_column(
                sa.Column("reference_standard_lots", sa.JSON(), server_default="[]", nullable=False)
            )
            batch.add_column(
                sa.Column("reagent_lots", sa.JSON(), server_default="[]", nullable=False)
            )


def downgrade() -> None:
    """Downgrade schema."""
    for table in _USED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("reagent_lots")
            batch.drop_column("reference_standard_lots")
            batch.drop_column("instrument_code")
    op.drop_index(op.f("ix_attachments_test_id"), table_name="attachments")
    op.drop_table("attachments")
    op.drop_table("reagents")
    op.drop_table("reference_standards")
    op.drop_table("instruments")
    op.drop_index(op.f("ix_qualifications_analyst"), table_name="qualifications")
    op.drop_table("qualifications")
