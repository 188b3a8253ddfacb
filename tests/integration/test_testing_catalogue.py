"""The testing service's schema, setup and catalogue over a real database (SQLite and PostgreSQL)
and a real gRPC server."""

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import grpc
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select

from kernel import migrations
from kernel.audit import Who, verify_chain
from kernel.db import Database, sync_url
from kernel.errors import InvalidArgument
from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.testing.v1 import testing_pb2, testing_pb2_grpc
from services.testing import catalogue, demo, main
from services.testing.domain import Criterion, CriterionKind
from services.testing.models import AuditEntry, Base, Specification
from tests.support.grpc import serving

DEMO = Settings(demo=True)
RECEPTION = common_pb2.Actor(username="reception", full_name="Rania Reception", role="reception")
ADMIN = Who("admin", "Adam Admin", "admin")


@asynccontextmanager
async def running_service(
    database_url: str, settings: Settings = DEMO
) -> AsyncIterator[tuple["testing_pb2_grpc.TestingServiceAsyncStub", Database]]:
    """A migrated (and, by default, demo-seeded) database behind a real gRPC server."""
    db = Database(database_url)
    try:
        await main.setup(db, settings)
        async with serving(main.register(db, settings), main.SERVICE_NAMES) as channel:
            stub = testing_pb2_grpc.TestingServiceStub(channel)
            yield cast("testing_pb2_grpc.TestingServiceAsyncStub", stub), db
    finally:
        await db.dispose()


def audit_count(db: Database) -> int:
    """How many entries the audit chain holds."""
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_migrations_produce_exactly_the_models_schema(database_url: str) -> None:
    migrations.upgrade("testing", database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


async def test_demo_catalogue_is_present_after_setup(database_url: str) -> None:
    async with running_service(database_url) as (stub, _):
        listed = await stub.ListProducts(testing_pb2.ListProductsRequest())
        paracetamol = await stub.GetProduct(testing_pb2.GetProductRequest(code="PARA-500-TAB"))
    # By name: Amoxicillin, Artemether/lumefantrine, Ibuprofen, Metformin, Paracetamol.
    assert [p.code for p in listed.products] == [
        "AMOX-500-CAP",
        "AL-20-120-TAB",
        "CHLQ-250-TAB",
        "IBU-400-TAB",
        "METF-850-TAB",
        "PARA-500-TAB",
    ]
    assert (paracetamol.name, paracetamol.inn, paracetamol.strength) == (
        "Paracetamol 500 mg tablets",
        "paracetamol",
        "500 mg",
    )
    assert (paracetamol.specification_id, paracetamol.specification_version) == (
        "SPEC-PARA-500-TAB",
        1,
    )
    assert paracetamol.specification_reference == "Ph. Eur. 0049 / BP Paracetamol Tablets"
    assert [(t.code, t.replicates) for t in paracetamol.tests] == [
        ("APPEARANCE", 1),
        ("IDENTIFICATION", 1),
        ("ASSAY", 2),
        ("DISSOLUTION", 6),
        ("UNIFORMITY", 10),
        ("RELATED", 1),
    ]
    assay = paracetamol.tests[2]
    assert assay.calculation == testing_pb2.CALCULATION_MEAN
    assert (assay.decimals, assay.unit) == (1, "%")
    assert assay.criterion.kind == testing_pb2.CRITERION_KIND_RANGE
    assert (assay.criterion.low, assay.criterion.high) == ("95.0", "105.0")
    assert paracetamol.tests[4].calculation == testing_pb2.CALCULATION_ACCEPTANCE_VALUE
    assert paracetamol.tests[0].criterion.expected_text == "conforms"


async def test_setup_run_twice_changes_nothing(database_url: str) -> None:
    async with running_service(database_url) as (stub, db):
        before = await stub.ListProducts(testing_pb2.ListProductsRequest())
        entries = audit_count(db)
        await main.setup(db, DEMO)
        after = await stub.ListProducts(testing_pb2.ListProductsRequest())
        assert after == before
        assert audit_count(db) == entries
        with db.read() as session:
            versions = session.scalar(select(func.count()).select_from(Specification))
            check = verify_chain(session, AuditEntry)
    assert versions == len(demo.PRODUCTS)
    assert check.broken_at is None and check.entries == entries > 0


async def test_setup_without_demo_leaves_the_catalogue_empty(database_url: str) -> None:
    async with running_service(database_url, Settings(demo=False)) as (stub, _):
        listed = await stub.ListProducts(testing_pb2.ListProductsRequest())
    assert list(listed.products) == []


async def test_unknown_product_is_not_found(database_url: str) -> None:
    async with running_service(database_url) as (stub, _):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.GetProduct(testing_pb2.GetProductRequest(code="NOPE-1"))
    assert error.value.code() is grpc.StatusCode.NOT_FOUND
    assert error.value.details() == "unknown product 'NOPE-1'"


async def test_new_specification_version_applies_to_new_plans_only(database_url: str) -> None:
    wider_assay = dataclasses.replace(
        demo.PARACETAMOL.tests[2],
        criterion=Criterion(CriterionKind.RANGE, low="90.0", high="110.0", display="90–110 %"),
    )
    tests = list(demo.PARACETAMOL.tests)
    tests[2] = wider_assay
    revised = dataclasses.replace(demo.PARACETAMOL, tests=tuple(tests), reference="BP 2026")
    async with running_service(database_url) as (stub, db):
        old = await stub.CreateTestPlan(
            testing_pb2.CreateTestPlanRequest(
                lab_number="LNCM-2026-00001", product_code="PARA-500-TAB", actor=RECEPTION
            )
        )
        with db.write() as session:
            catalogue.ensure_product(session, revised, ADMIN)
        entries = audit_count(db)
        with db.write() as session:  # the same content again is not a new version
            catalogue.ensure_product(session, revised, ADMIN)
        assert audit_count(db) == entries
        product = await stub.GetProduct(testing_pb2.GetProductRequest(code="PARA-500-TAB"))
        new = await stub.CreateTestPlan(
            testing_pb2.CreateTestPlanRequest(
                lab_number="LNCM-2026-00002", product_code="PARA-500-TAB", actor=RECEPTION
            )
        )
        old_again = await stub.GetTestPlan(
            testing_pb2.GetTestPlanRequest(lab_number="LNCM-2026-00001")
        )
    assert (product.specification_version, product.specification_reference) == (2, "BP 2026")
    assert product.tests[2].criterion.low == "90.0"
    assert old_again == old
    assert old_again.specification_version == 1
    assert old_again.tests[2].spec.criterion.low == "95.0"
    assert (new.specification_version, new.specification_reference) == (2, "BP 2026")
    assert new.tests[2].spec.criterion.low == "90.0"


async def test_unsound_product_definition_is_refused(database_url: str) -> None:
    broken = dataclasses.replace(demo.PARACETAMOL, code="PARA-2", tests=())
    async with running_service(database_url) as (_, db):
        with pytest.raises(InvalidArgument, match="has no test"):
            with db.write() as session:
                catalogue.ensure_product(session, broken, ADMIN)
