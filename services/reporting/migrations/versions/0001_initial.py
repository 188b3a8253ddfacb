"""Initial schema of the reporting service: certificates, their PDFs, report counters, audit chain.

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
    op.create_table('certificates',
    sa.Column('report_number', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('lab_number', sa.String(length=50), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_username', sa.String(length=100), nullable=False),
    sa.Column('issued_by_full_name', sa.String(length=200), nullable=False),
    sa.Column('issued_by_role', sa.String(length=50), nullable=False),
    sa.Column('conclusion', sa.Enum('conforms', 'does_not_conform', name='conformity', native_enum=False, length=30), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('report_number', name=op.f('pk_certificates')),
    sa.UniqueConstraint('lab_number', 'version', name=op.f('uq_certificates_lab_number_version'))
    )
    op.create_index(op.f('ix_certificates_lab_number'), 'certificates', ['lab_number'], unique=False)

    op.create_table('report_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_report_counters'))
    )
    op.create_table('certificate_pdfs',
    sa.Column('report_number', sa.String(length=30), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_hash', sa.String(length=64), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_number'], ['certificates.report_number'], name=op.f('fk_certificate_pdfs_report_number_certificates')),
    sa.PrimaryKeyConstraint('report_number', name=op.f('pk_certificate_pdfs'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('certificate_pdfs')
    op.drop_table('report_counters')
    op.drop_index(op.f('ix_certificates_lab_number'), table_name='certificates')

    op.drop_table('certificates')
    op.drop_table('audit_head')
    op.drop_index(op.f('ix_audit_entries_username'), table_name='audit_entries')
    op.drop_index(op.f('ix_audit_entries_entity_id'), table_name='audit_entries')

    op.drop_table('audit_entries')
