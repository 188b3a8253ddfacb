"""The Catalogue gRPC service (methods, products, specification versions) over a real database
(SQLite and PostgreSQL) and a real gRPC server, next to TestingService in the same process."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import grpc
import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from kernel import migrations
from kernel.audit import verify_chain
from kernel.db import Database, sync_url
from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.testing.v1 import catalogue_pb2, catalogue_pb2_grpc, testing_pb2, testing_pb2_grpc
from services.testing import main
from services.testing.models import AuditEntry
from tests.support.grpc import serving
from tests.support.resources import demo_instrument

ADMIN = common_pb2.Actor(username="admin", full_name="Adam Admin", role="admin")
RECEPTION = common_pb2.Actor(username="reception", full_name="Rania Reception", role="reception")
ANALYST = common_pb2.Actor(username="analyst", full_name="Amina Analyst", role="analyst")
ASSAY_VALUES = ["15234.7", "15102.3", "50.12", "50.31", "99.8"]


@asynccontextmanager
async def running(
    database_url: str,
) -> AsyncIterator[
    tuple[
        "catalogue_pb2_grpc.CatalogueAsyncStub",
        "testing_pb2_grpc.TestingServiceAsyncStub",
        Database,
    ]
]:
    """A migrated, demo-seeded database behind a real gRPC server serving both services."""
    db = Database(database_url)
    settings = Settings(demo=True)
    try:
        await main.setup(db, settings)
        async with serving(main.register(db, settings), main.SERVICE_NAMES) as channel:
            yield (
                cast(
                    "catalogue_pb2_grpc.CatalogueAsyncStub",
                    catalogue_pb2_grpc.CatalogueStub(channel),
                ),
                cast(
                    "testing_pb2_grpc.TestingServiceAsyncStub",
                    testing_pb2_grpc.TestingServiceStub(channel),
                ),
                db,
            )
    finally:
        await db.dispose()


def entries(db: Database, action: str) -> list[AuditEntry]:
    """The audit entries of one action, oldest first."""
    with db.read() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(session.scalars(query))


async def test_admin_adds_changes_and_retires_a_method(database_url: str) -> None:
    async with running(database_url) as (catalogue, _, db):
        created = await catalogue.CreateMethod(
            catalogue_pb2.CreateMethodRequest(
                method=catalogue_pb2.Method(
                    code="SOP-KF-002",
                    title="Water by Karl Fischer",
                    reference="Ph. Eur. 2.5.12",
                    technique="Karl Fischer",
                ),
                actor=ADMIN,
                reason="new titrator",
            )
        )
        assert (created.code, created.active) == ("SOP-KF-002", True)
        with pytest.raises(grpc.aio.AioRpcError) as twice:
            await catalogue.CreateMethod(
                catalogue_pb2.CreateMethodRequest(method=created, actor=ADMIN, reason="again")
            )
        assert twice.value.code() is grpc.StatusCode.ALREADY_EXISTS
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await catalogue.CreateMethod(
                catalogue_pb2.CreateMethodRequest(
                    method=catalogue_pb2.Method(
                        code="X-1", title="t", reference="r", technique="NMR"
                    ),
                    actor=ADMIN,
                    reason="r",
                )
            )
        assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert bad.value.details().startswith("technique 'NMR': one of HPLC, GC")
        retired = await catalogue.UpdateMethod(
            catalogue_pb2.UpdateMethodRequest(
                code="SOP-KF-002",
                title=created.title,
                reference="Ph. Eur. 2.5.32",
                technique=created.technique,
                active=False,
                actor=ADMIN,
                reason="coulometric method replaces it",
            )
        )
        in_use = await catalogue.ListMethods(catalogue_pb2.ListMethodsRequest())
        every = await catalogue.ListMethods(catalogue_pb2.ListMethodsRequest(include_inactive=True))
        changed = entries(db, "method_changed")
    assert (retired.reference, retired.active) == ("Ph. Eur. 2.5.32", False)
    assert "SOP-KF-002" not in [m.code for m in in_use.methods]
    assert "SOP-KF-002" in [m.code for m in every.methods]
    assert "SOP-HPLC-012" in [m.code for m in in_use.methods]  # the demo's
    assert len(changed) == 1
    assert changed[0].reason == "coulometric method replaces it"
    assert '"active":false' in changed[0].new_value.replace(" ", "")


async def test_a_new_version_applies_to_new_plans_and_leaves_planned_tests_alone(
    database_url: str,
) -> None:
    async with running(database_url) as (catalogue, testing, db):
        before = await testing.CreateTestPlan(
            testing_pb2.CreateTestPlanRequest(
                lab_number="LNCM-2026-00001", product_code="CHLQ-250-TAB", actor=RECEPTION
            )
        )
        current = await catalogue.GetSpecificationVersion(
            catalogue_pb2.GetSpecificationVersionRequest(product_code="CHLQ-250-TAB")
        )
        tests = list(current.tests)
        tests[2].criterion.low, tests[2].criterion.display = "95.0", ""
        tests[2].warning_low = "96.0"
        request = catalogue_pb2.AddSpecificationVersionRequest(
            product_code="CHLQ-250-TAB",
            source="Int. Ph.",
            reference="Int. Ph. 2026 supplement",
            tests=tests,
            based_on_version=current.version,
            actor=ADMIN,
            reason="monograph revised",
        )
        checked = await catalogue.AddSpecificationVersion(
            catalogue_pb2.AddSpecificationVersionRequest(
                product_code=request.product_code,
                source=request.source,
                reference=request.reference,
                tests=tests,
                based_on_version=current.version,
                dry_run=True,
                actor=ADMIN,
                reason="check",
            )
        )
        assert (checked.version, checked.in_force) == (2, False)
        added = await catalogue.AddSpecificationVersion(request)
        with pytest.raises(grpc.aio.AioRpcError) as stale:
            await catalogue.AddSpecificationVersion(request)
        after = await testing.CreateTestPlan(
            testing_pb2.CreateTestPlanRequest(
                lab_number="LNCM-2026-00002", product_code="CHLQ-250-TAB", actor=RECEPTION
            )
        )
        again = await testing.GetTestPlan(
            testing_pb2.GetTestPlanRequest(lab_number="LNCM-2026-00001")
        )
        versions = await catalogue.ListSpecificationVersions(
            catalogue_pb2.ListSpecificationVersionsRequest(product_code="CHLQ-250-TAB")
        )
        audit = entries(db, "specification_version_created")
        with db.read() as session:
            chain = verify_chain(session, AuditEntry)
    assert (added.version, added.in_force, added.created_by) == (2, True, "admin")
    assert added.tests[2].criterion.display == "95.0 – 107.0 %"  # written from the criterion
    assert stale.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert again == before
    assert before.tests[2].spec.criterion.low == "93.0"
    assert after.specification_version == 2
    assert (after.tests[2].spec.criterion.low, after.tests[2].spec.warning_low) == ("95.0", "96.0")
    assert [v.version for v in versions.versions] == [2, 1]
    assert [v.in_force for v in versions.versions] == [True, False]
    assert audit[-1].reason == "monograph revised"
    assert chain.broken_at is None


async def test_an_unsound_version_is_refused_with_every_problem_and_nothing_changes(
    database_url: str,
) -> None:
    async with running(database_url) as (catalogue, _, db):
        current = await catalogue.GetSpecificationVersion(
            catalogue_pb2.GetSpecificationVersionRequest(product_code="CHLQ-250-TAB")
        )
        tests = list(current.tests)
        tests[2].formula = "area_sample / area_standard * nope"
        tests[3].method_code = "SOP-NONE"
        tests[3].warning_high = "0.60"
        before = len(entries(db, "specification_version_created"))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await catalogue.AddSpecificationVersion(
                catalogue_pb2.AddSpecificationVersionRequest(
                    product_code="CHLQ-250-TAB",
                    source="Int. Ph.",
                    reference="x",
                    tests=tests,
                    actor=ADMIN,
                    reason="r",
                )
            )
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert refused.value.details() == "test RELATED: unknown method 'SOP-NONE'"
        tests[3].method_code = "SOP-HPLC-015"
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await catalogue.AddSpecificationVersion(
                catalogue_pb2.AddSpecificationVersionRequest(
                    product_code="CHLQ-250-TAB",
                    source="Int. Ph.",
                    reference="x",
                    tests=tests,
                    actor=ADMIN,
                    reason="r",
                )
            )
        details = refused.value.details()
        assert "test ASSAY: the formula uses nope, not among the inputs" in details
        assert "test ASSAY: input weight_standard, declared_sample, purity is not used" in details
        assert "test RELATED: warning_high 0.60 is above the acceptance limit 0.50" in details
        assert len(entries(db, "specification_version_created")) == before


async def test_a_formula_result_keeps_its_inputs_and_each_replicate(database_url: str) -> None:
    async with running(database_url) as (_, testing, _db):
        plan = await testing.CreateTestPlan(
            testing_pb2.CreateTestPlanRequest(
                lab_number="LNCM-2026-00009", product_code="CHLQ-250-TAB", actor=RECEPTION
            )
        )
        assay, related = plan.tests[2], plan.tests[3]
        assert assay.spec.calculation == testing_pb2.CALCULATION_FORMULA
        assert [i.name for i in assay.spec.inputs][:2] == ["area_sample", "area_standard"]
        for test in (assay, related):
            await testing.AssignTest(
                testing_pb2.AssignTestRequest(
                    test_id=test.test_id,
                    analyst="analyst",
                    actor=ADMIN,
                    instrument_code=demo_instrument(test.spec.technique),
                )
            )
        low = ["14334.7", *ASSAY_VALUES[1:]]  # 94.4 %: conforms, below the warning limit
        preview = await testing.PreviewResult(
            testing_pb2.PreviewResultRequest(test_id=assay.test_id, values=ASSAY_VALUES + low)
        )
        assert preview.reportable_value == "97.3"
        assert preview.formula.startswith("(area_sample / area_standard)")
        assert [v[:7] for v in preview.replicate_values] == ["100.294", "94.3697"]
        assert (preview.conformity, preview.warning) == (common_pb2.CONFORMITY_CONFORMS, False)
        with pytest.raises(grpc.aio.AioRpcError) as short:
            await testing.PreviewResult(
                testing_pb2.PreviewResultRequest(test_id=assay.test_id, values=ASSAY_VALUES)
            )
        assert short.value.details() == (
            "values: expected 10 values (2 x area_sample, area_standard, weight_standard, "
            "declared_sample, purity), got 5"
        )
        submitted = await testing.SubmitResult(
            testing_pb2.SubmitResultRequest(
                test_id=assay.test_id,
                values=low + low,
                actor=ANALYST,
                submission_key="k-1",
            )
        )
        trace = await testing.SubmitResult(
            testing_pb2.SubmitResultRequest(
                test_id=related.test_id, values=["0.03"], actor=ANALYST, submission_key="k-2"
            )
        )
    result = submitted.results[-1]
    assert (result.reportable_value, result.warning) == ("94.4", True)
    assert result.conformity == common_pb2.CONFORMITY_CONFORMS
    assert list(result.values) == low + low
    assert len(result.replicate_values) == 2
    below = trace.results[-1]
    assert (below.reportable_value, below.below_loq) == ("< LOQ", True)
    assert below.conformity == common_pb2.CONFORMITY_CONFORMS
    assert below.unrounded_value == "0.03"


def test_the_migration_links_existing_specification_tests_to_new_methods(
    database_url: str,
) -> None:
    command.upgrade(migrations.config("testing", database_url), "0002")
    engine = create_engine(sync_url(database_url))
    columns = (
        "code, name, method, technique, unit, replicates, calculation, decimals, criterion_kind, "
        "criterion_low, criterion_high, criterion_expected_text, criterion_display"
    )
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO products (code, name, inn, dosage_form, strength, "
                    "units_per_analysis, specification_id, current_version, created_at) VALUES "
                    "('P-1', 'P', '', '', '', 0, 'SPEC-P-1', 1, CURRENT_TIMESTAMP)"
                )
            )
            spec = connection.execute(
                text(
                    "INSERT INTO specifications (specification_id, version, product_code, source, "
                    "reference, created_at) VALUES ('SPEC-P-1', 1, 'P-1', 'USP', 'USP P', "
                    "CURRENT_TIMESTAMP) RETURNING id"
                )
            ).scalar_one()
            for position, (code, method, technique) in enumerate(
                [
                    ("ASSAY", "USP <621>", "HPLC"),
                    ("RELATED", "USP <621>", "HPLC"),
                    ("LOOK", "Visual examination", "visual"),
                    ("ODD", "Sniff test", "nose"),
                ],
                1,
            ):
                connection.execute(
                    text(
                        f"INSERT INTO specification_tests (specification_pk, position, {columns}) "
                        "VALUES (:spec, :position, :code, :code, :method, :technique, '', 1, "
                        "'single', 0, 'not_more_than', '', '1', '', '')"
                    ),
                    {
                        "spec": spec,
                        "position": position,
                        "code": code,
                        "method": method,
                        "technique": technique,
                    },
                )
        migrations.upgrade("testing", database_url)
        with engine.connect() as connection:
            methods = connection.execute(
                text("SELECT code, reference, technique FROM methods ORDER BY code")
            ).all()
            links = connection.execute(
                text("SELECT code, method_code FROM specification_tests ORDER BY position")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(m) for m in methods] == [
        ("HPLC-1", "USP <621>", "HPLC"),
        ("OTHER-1", "Sniff test", "other"),
        ("VISUAL-1", "Visual examination", "visual"),
    ]
    assert [tuple(link) for link in links] == [
        ("ASSAY", "HPLC-1"),
        ("RELATED", "HPLC-1"),
        ("LOOK", "VISUAL-1"),
        ("ODD", "OTHER-1"),
    ]
