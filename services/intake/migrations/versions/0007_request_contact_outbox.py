"""The requester's contact on requests (copied onto their samples), and the e-mail outbox.

Requests logged before this revision have no contact: their rejections reach no e-mail.

Revision ID: 0007
Revises: 0006

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTACT = (("contact_name", 200), ("contact_email", 254), ("contact_phone", 50))


def upgrade() -> None:
    """Upgrade schema."""
    for table in ("requests", "samples"):
        with op.batch_alter_table(table) as batch:
            for name, length in _CONTACT:
                batch.add_column(
                    sa.Column(name, sa.String(length=length), server_default="", nullable=False)
                )
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_key", sa.String(length=300), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lab_number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
        sa.UniqueConstraint("notification_key", name=op.f("uq_email_outbox_notification_key")),
    )
    op.create_index("ix_email_outbox_status_id", "email_outbox", ["status", "id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_email_outbox_status_id", table_name="email_outbox")
    op.drop_table("email_outbox")
    for table in ("samples", "requests"):
        with op.batch_alter_table(table) as batch:
            for name, _length in reversed(_CONTACT):
                batch.drop_column(name)
