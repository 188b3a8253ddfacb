"""Initial schema of the testing service: catalogue (products, specification versions and their
tests), test plans, tests, results, audit chain.

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
    op.create_table('products',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('inn', sa.String(length=200), nullable=False),
    sa.Column('dosage_form', sa.String(length=100), nullable=False),
    sa.Column('strength', sa.String(length=100), nullable=False),
    sa.Column('specification_id', sa.String(length=60), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_products')),
    sa.UniqueConstraint('specification_id', name=op.f('uq_products_specification_id'))
    )
    op.create_table('test_plans',
    sa.Column('lab_number', sa.String(length=40), nullable=False),
    sa.Column('product_code', sa.String(length=40), nullable=False),
    sa.Column('specification_id', sa.String(length=60), nullable=False),
    sa.Column('specification_version', sa.Integer(), nullable=False),
    sa.Column('specification_source', sa.String(length=50), nullable=False),
    sa.Column('specification_reference', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('lab_number', name=op.f('pk_test_plans'))
    )
    op.create_table('specifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('specification_id', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('product_code', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('reference', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_code'], ['products.code'], name=op.f('fk_specifications_product_code_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_specifications')),
    sa.UniqueConstraint('specification_id', 'version', name=op.f('uq_specifications_specification_id_version'))
    )
    op.create_index(op.f('ix_specifications_product_code'), 'specifications', ['product_code'], unique=False)

    op.create_table('tests',
    sa.Column('test_id', sa.String(length=50), nullable=False),
    sa.Column('lab_number', sa.String(length=40), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('product_code', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('analyst', sa.String(length=100), nullable=False),
    sa.Column('assigned_by_username', sa.String(length=100), nullable=False),
    sa.Column('assigned_by_full_name', sa.String(length=200), nullable=False),
    sa.Column('assigned_by_role', sa.String(length=50), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=200), nullable=False),
    sa.Column('technique', sa.String(length=50), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('replicates', sa.Integer(), nullable=False),
    sa.Column('calculation', sa.String(length=30), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('criterion_kind', sa.String(length=30), nullable=False),
    sa.Column('criterion_low', sa.String(length=30), nullable=False),
    sa.Column('criterion_high', sa.String(length=30), nullable=False),
    sa.Column('criterion_expected_text', sa.String(length=200), nullable=False),
    sa.Column('criterion_display', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['lab_number'], ['test_plans.lab_number'], name=op.f('fk_tests_lab_number_test_plans')),
    sa.PrimaryKeyConstraint('test_id', name=op.f('pk_tests')),
    sa.UniqueConstraint('lab_number', 'sequence', name=op.f('uq_tests_lab_number_sequence'))
    )
    op.create_index(op.f('ix_tests_analyst'), 'tests', ['analyst'], unique=False)
    op.create_index(op.f('ix_tests_status'), 'tests', ['status'], unique=False)

    op.create_table('results',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('test_id', sa.String(length=50), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('unrounded_value', sa.String(length=80), nullable=False),
    sa.Column('reportable_value', sa.Text(), nullable=False),
    sa.Column('conformity', sa.String(length=20), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('submitted_by_username', sa.String(length=100), nullable=False),
    sa.Column('submitted_by_full_name', sa.String(length=200), nullable=False),
    sa.Column('submitted_by_role', sa.String(length=50), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submission_key', sa.String(length=200), nullable=False),
    sa.Column('review_outcome', sa.String(length=20), nullable=False),
    sa.Column('review_reason', sa.Text(), nullable=False),
    sa.Column('reviewed_by_username', sa.String(length=100), nullable=False),
    sa.Column('reviewed_by_full_name', sa.String(length=200), nullable=False),
    sa.Column('reviewed_by_role', sa.String(length=50), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['test_id'], ['tests.test_id'], name=op.f('fk_results_test_id_tests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results')),
    sa.UniqueConstraint('test_id', 'attempt', name=op.f('uq_results_test_id_attempt')),
    sa.UniqueConstraint('test_id', 'review_key', name=op.f('uq_results_test_id_review_key')),
    sa.UniqueConstraint('test_id', 'submission_key', name=op.f('uq_results_test_id_submission_key'))
    )
    op.create_table('specification_tests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('specification_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=200), nullable=False),
    sa.Column('technique', sa.String(length=50), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('replicates', sa.Integer(), nullable=False),
    sa.Column('calculation', sa.String(length=30), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('criterion_kind', sa.String(length=30), nullable=False),
    sa.Column('criterion_low', sa.String(length=30), nullable=False),
    sa.Column('criterion_high', sa.String(length=30), nullable=False),
    sa.Column('criterion_expected_text', sa.String(length=200), nullable=False),
    sa.Column('criterion_display', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['specification_pk'], ['specifications.id'], name=op.f('fk_specification_tests_specification_pk_specifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_specification_tests')),
    sa.UniqueConstraint('specification_pk', 'code', name=op.f('uq_specification_tests_specification_pk_code'))
    )
    op.create_index(op.f('ix_specification_tests_specification_pk'), 'specification_tests', ['specification_pk'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_specification_tests_specification_pk'), table_name='specification_tests')
    op.drop_table('specification_tests')
    op.drop_table('results')
    op.drop_index(op.f('ix_tests_status'), table_name='tests')
    op.drop_index(op.f('ix_tests_analyst'), table_name='tests')
    op.drop_table('tests')
    op.drop_index(op.f('ix_specifications_product_code'), table_name='specifications')
    op.drop_table('specifications')
    op.drop_table('test_plans')
    op.drop_table('products')
    op.drop_table('audit_head')
    op.drop_index(op.f('ix_audit_entries_username'), table_name='audit_entries')
    op.drop_index(op.f('ix_audit_entries_entity_id'), table_name='audit_entries')
    op.drop_table('audit_entries')
