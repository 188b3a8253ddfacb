"""Initial schema of the intake service: counters, requests, samples, timeline, audit chain.

Revision ID: 0001
Revises:

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('audit_entries',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=50), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity_type', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.String(length=100), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_username'), ['username'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('counters',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', 'year', name=op.f('pk_counters'))
    )
    op.create_table('requests',
    sa.Column('request_id', sa.String(length=30), nullable=False),
    sa.Column('request_key', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Enum('registration', 'batch_release', 'market_surveillance', 'complaint', 'suspected_falsified', name='purpose', native_enum=False, length=30), nullable=False),
    sa.Column('priority', sa.Enum('routine', 'urgent', name='priority', native_enum=False, length=30), nullable=False),
    sa.Column('requester', sa.String(length=100), nullable=False),
    sa.Column('requester_organisation', sa.String(length=300), nullable=False),
    sa.Column('external_reference', sa.String(length=100), nullable=False),
    sa.Column('created_by_username', sa.String(length=100), nullable=False),
    sa.Column('created_by_full_name', sa.String(length=200), nullable=False),
    sa.Column('created_by_role', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_requests')),
    sa.UniqueConstraint('request_key', name=op.f('uq_requests_request_key'))
    )
    op.create_table('samples',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('lab_number', sa.String(length=40), nullable=False),
    sa.Column('request_id', sa.String(length=30), nullable=False),
    sa.Column('purpose', sa.Enum('registration', 'batch_release', 'market_surveillance', 'complaint', 'suspected_falsified', name='purpose', native_enum=False, length=30), nullable=False),
    sa.Column('priority', sa.Enum('routine', 'urgent', name='priority', native_enum=False, length=30), nullable=False),
    sa.Column('requester', sa.String(length=100), nullable=False),
    sa.Column('requester_organisation', sa.String(length=300), nullable=False),
    sa.Column('external_reference', sa.String(length=100), nullable=False),
    sa.Column('product_code', sa.String(length=50), nullable=False),
    sa.Column('product_name', sa.String(length=300), nullable=False),
    sa.Column('batch_number', sa.String(length=100), nullable=False),
    sa.Column('manufacturer', sa.String(length=300), nullable=False),
    sa.Column('manufacture_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('quantity', sa.String(length=20), nullable=False),
    sa.Column('quantity_unit', sa.String(length=50), nullable=False),
    sa.Column('status', sa.Enum('registered', 'received', 'rejected', 'in_testing', 'in_review', 'awaiting_approval', 'released', 'on_hold', 'cancelled', name='samplestatus', native_enum=False, length=30), nullable=False),
    sa.Column('status_before_hold', sa.Enum('registered', 'received', 'rejected', 'in_testing', 'in_review', 'awaiting_approval', 'released', 'on_hold', 'cancelled', name='samplestatus', native_enum=False, length=30), nullable=True),
    sa.Column('receipt_accepted', sa.Boolean(), nullable=True),
    sa.Column('condition_on_receipt', sa.Text(), nullable=False),
    sa.Column('quantity_received', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=False),
    sa.Column('sla_target_days', sa.Integer(), nullable=False),
    sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_warning_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.request_id'], name=op.f('fk_samples_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_samples')),
    sa.UniqueConstraint('lab_number', name=op.f('uq_samples_lab_number'))
    )
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.create_index('ix_samples_purpose_id', ['purpose', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_samples_requester_id', ['requester', 'id'], unique=False)
        batch_op.create_index('ix_samples_sla_due_at', ['sla_due_at'], unique=False)
        batch_op.create_index('ix_samples_status_id', ['status', 'id'], unique=False)

    op.create_table('sample_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=50), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('event_key', sa.String(length=250), nullable=True),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_sample_events_sample_id_samples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_events')),
    sa.UniqueConstraint('sample_id', 'event_key', name=op.f('uq_sample_events_sample_id_event_key'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('sample_events')
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.drop_index('ix_samples_status_id')
        batch_op.drop_index('ix_samples_sla_due_at')
        batch_op.drop_index('ix_samples_requester_id')
        batch_op.drop_index(batch_op.f('ix_samples_request_id'))
        batch_op.drop_index('ix_samples_purpose_id')

    op.drop_table('samples')
    op.drop_table('requests')
    op.drop_table('counters')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_username'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_entity_id'))

    op.drop_table('audit_entries')
