"""Initial schema of the review service: signatures, reviews, approvals, audit chain.

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
    op.create_index(op.f('ix_audit_entries_entity_id'), 'audit_entries', ['entity_id'], unique=False)
    op.create_index(op.f('ix_audit_entries_username'), 'audit_entries', ['username'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('signatures',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('signature_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=50), nullable=False),
    sa.Column('meaning', sa.Enum('authored', 'reviewed', 'approved', 'witnessed', name='signature_meaning', native_enum=False, length=30), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_content', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('record_kind', sa.Enum('test_review', 'sample_approval', name='record_kind', native_enum=False, length=30), nullable=False),
    sa.Column('record_id', sa.String(length=100), nullable=False),
    sa.Column('lab_number', sa.String(length=50), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_signatures')),
    sa.UniqueConstraint('signature_id', name=op.f('uq_signatures_signature_id'))
    )
    op.create_index(op.f('ix_signatures_lab_number'), 'signatures', ['lab_number'], unique=False)

    op.create_table('approvals',
    sa.Column('lab_number', sa.String(length=50), nullable=False),
    sa.Column('approver', sa.String(length=100), nullable=False),
    sa.Column('conclusion', sa.Enum('conforms', 'does_not_conform', name='conformity', native_enum=False, length=30), nullable=False),
    sa.Column('analysts', sa.JSON(), nullable=False),
    sa.Column('reviewers', sa.JSON(), nullable=False),
    sa.Column('signature_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signature_id'], ['signatures.signature_id'], name=op.f('fk_approvals_signature_id_signatures')),
    sa.PrimaryKeyConstraint('lab_number', name=op.f('pk_approvals'))
    )
    op.create_table('reviews',
    sa.Column('review_id', sa.String(length=36), nullable=False),
    sa.Column('review_key', sa.String(length=200), nullable=False),
    sa.Column('lab_number', sa.String(length=50), nullable=False),
    sa.Column('test_id', sa.String(length=100), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('analyst', sa.String(length=100), nullable=False),
    sa.Column('reviewer', sa.String(length=100), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('signature_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signature_id'], ['signatures.signature_id'], name=op.f('fk_reviews_signature_id_signatures')),
    sa.PrimaryKeyConstraint('review_id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('lab_number', 'test_id', 'attempt', name=op.f('uq_reviews_lab_number_test_id_attempt')),
    sa.UniqueConstraint('review_key', name=op.f('uq_reviews_review_key'))
    )
    op.create_index(op.f('ix_reviews_lab_number'), 'reviews', ['lab_number'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_reviews_lab_number'), table_name='reviews')

    op.drop_table('reviews')
    op.drop_table('approvals')
    op.drop_index(op.f('ix_signatures_lab_number'), table_name='signatures')

    op.drop_table('signatures')
    op.drop_table('audit_head')
    op.drop_index(op.f('ix_audit_entries_username'), table_name='audit_entries')
    op.drop_index(op.f('ix_audit_entries_entity_id'), table_name='audit_entries')

    op.drop_table('audit_entries')
