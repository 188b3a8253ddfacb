"""The methods catalogue, and what a specification test gained with it: the link to a method,
warning limits, LOD/LOQ and a formula over named inputs (on the catalogue's tests and on the copy
each planned test keeps); a result's warning and below-LOQ flags and a formula's per-replicate
values; who created a specification version.

Existing rows keep their free-text method. The migration fills what it can: one method per
distinct (method text, technique) of the existing specification tests, coded after its technique
(HPLC-1, UV-1, ...), and links those specification tests to it. Planned tests are left as they
were planned.

Revision ID: 0005
Revises: 0004

"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SPEC_TABLES = ("specification_tests", "tests")
# Technique words of existing rows -> the fixed list of spec_rules.Technique.
_TECHNIQUES = {
    "hplc": "HPLC",
    "gc": "GC",
    "uv": "UV",
    "ir": "IR",
    "tlc": "TLC",
    "dissolution": "dissolution",
    "disintegration": "disintegration",
    "karl fischer": "Karl Fischer",
    "titration": "titration",
    "microbiology": "microbiology",
    "visual": "visual",
    "ph": "pH",
    "mass": "mass",
}


def _spec_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("method_code", sa.String(40), server_default="", nullable=False),
        sa.Column("warning_low", sa.String(30), server_default="", nullable=False),
        sa.Column("warning_high", sa.String(30), server_default="", nullable=False),
        sa.Column("lod", sa.String(30), server_default="", nullable=False),
        sa.Column("loq", sa.String(30), server_default="", nullable=False),
        sa.Column("formula", sa.Text(), server_default="", nullable=False),
        sa.Column("formula_inputs", sa.JSON(), server_default="[]", nullable=False),
    ]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "methods",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("technique", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_methods")),
    )
    for table in _SPEC_TABLES:
        with op.batch_alter_table(table) as batch:
            for column in _spec_columns():
                batch.add_column(column)
    with op.batch_alter_table("specifications") as batch:
        batch.add_column(
            sa.Column("created_by", sa.String(100), server_default="", nullable=False)
        )
    with op.batch_alter_table("results") as batch:
        batch.add_column(
            sa.Column("warning", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("below_loq", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("replicate_values", sa.JSON(), server_default="[]", nullable=False)
        )
    _fill_methods()


def _fill_methods() -> None:
    connection = op.get_bind()
    pairs = connection.execute(
        sa.text(
            "SELECT DISTINCT method, technique FROM specification_tests "
            "WHERE method <> '' ORDER BY technique, method"
        )
    ).all()
    counters: dict[str, int] = {}
    now = datetime.now(UTC)
    for method, technique in pairs:
        known = _TECHNIQUES.get(technique.strip().casefold(), "other")
        counters[known] = counters.get(known, 0) + 1
        code = f"{known.upper().replace(' ', '-')}-{counters[known]}"
        connection.execute(
            sa.text(
                "INSERT INTO methods (code, title, reference, technique, active, created_at) "
                "VALUES (:code, :title, :reference, :technique, :active, :at)"
            ),
            {
                "code": code,
                "title": method[:200],
                "reference": method[:300],
                "technique": known,
                "active": True,
                "at": now,
            },
        )
        connection.execute(
            sa.text(
                "UPDATE specification_tests SET method_code = :code "
                "WHERE method = :method AND technique = :technique"
            ),
            {"code": code, "method": method, "technique": technique},
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("results") as batch:
        for name in ("replicate_values", "below_loq", "warning"):
            batch.drop_column(name)
    with op.batch_alter_table("specifications") as batch:
        batch.drop_column("created_by")
    for table in _SPEC_TABLES:
        with op.batch_alter_table(table) as batch:
            for column in reversed(_spec_columns()):
                batch.drop_column(column.name)
    op.drop_table("methods")
