"""Retention and disposal: the retain-until date, the disposal-due mark and the disposal time of
a sample, the reason of an early disposal, the signatures of a disposal; and notifications.

Samples retained before this revision get no retain-until date (their reminder is not started);
reception records it by moving the retained part again.

Revision ID: 0006
Revises: 0005

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("samples") as batch:
        batch.add_column(sa.Column("retain_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("disposal_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("custody_events") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "custody_signatures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("custody_event_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("meaning", sa.String(length=30), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["custody_event_id"],
            ["custody_events.id"],
            name=op.f("fk_custody_signatures_custody_event_id_custody_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_signatures")),
    )
    op.create_index(
        op.f("ix_custody_signatures_custody_event_id"),
        "custody_signatures",
        ["custody_event_id"],
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_key", sa.String(length=300), nullable=False),
        sa.Column("recipient_user", sa.String(length=100), nullable=False),
        sa.Column("recipient_role", sa.String(length=50), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lab_number", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("notification_key", name=op.f("uq_notifications_notification_key")),
    )
    op.create_index(
        "ix_notifications_recipient_user_id", "notifications", ["recipient_user", "id"]
    )
    op.create_index(
        "ix_notifications_recipient_role_id", "notifications", ["recipient_role", "id"]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_notifications_recipient_role_id", table_name="notifications")
    op.drop_index("ix_notifications_recipient_user_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(
        op.f("ix_custody_signatures_custody_event_id"), table_name="custody_signatures"
    )
    op.drop_table("custody_signatures")
    with op.batch_alter_table("custody_events") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("samples") as batch:
        batch.drop_column("disposed_at")
        batch.drop_column("disposal_due_at")
        batch.drop_column("retain_until")
