"""Sample details (product category, INNs, dosage form, strength, pack, marketing authorisation
holder, storage conditions) and the receipt checklist (seals, labelling, temperature on arrival,
quantity required and the reason for accepting less).

Existing samples become medicines with empty details; the checks of samples received before
this revision were not recorded, so they stay NULL.

Revision ID: 0004
Revises: 0003

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = ("medicine", "medical_device")
TEXTS = (
    ("inns", sa.String(length=300)),
    ("dosage_form", sa.String(length=100)),
    ("strength", sa.String(length=100)),
    ("pack", sa.String(length=200)),
    ("marketing_authorisation_holder", sa.String(length=300)),
    ("storage_conditions", sa.String(length=200)),
    ("temperature_on_arrival", sa.String(length=20)),
    ("quantity_required", sa.String(length=20)),
    ("insufficient_quantity_reason", sa.Text()),
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("samples") as batch:
        batch.add_column(
            sa.Column(
                "product_category",
                sa.Enum(*CATEGORIES, name="productcategory", native_enum=False, length=30),
                server_default="medicine",
                nullable=False,
            )
        )
        for name, kind in TEXTS:
            batch.add_column(sa.Column(name, kind, server_default="", nullable=False))
        batch.add_column(sa.Column("seals_intact", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("labelling_legible", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("labelling_legible")
        batch.drop_column("seals_intact")
        for name, _ in reversed(TEXTS):
            batch.drop_column(name)
        batch.drop_column("product_category")
