"""Every query of the testing service. Relationships are loaded here, explicitly, or not at all."""

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from services.testing.models import (
    Method,
    PlannedTest,
    Product,
    Specification,
    TestPlan,
)


def get_product(session: Session, code: str) -> Product | None:
    """The product with that catalogue code."""
    return session.get(Product, code)


def list_products(session: Session) -> Sequence[Product]:
    """Every product, by name."""
    return session.scalars(select(Product).order_by(Product.name, Product.code)).all()


def get_specification(
    session: Session, specification_id: str, version: int
) -> Specification | None:
    """One version of a specification, with its tests."""
    query = (
        select(Specification)
        .where(Specification.specification_id == specification_id)
        .where(Specification.version == version)
        .options(selectinload(Specification.tests))
    )
    return session.scalar(query)


def current_specifications(
    session: Session, products: Sequence[Product]
) -> dict[str, Specification]:
    """The specification in force of each product, by product code, in one query."""
    if not products:
        return {}
    wanted = {(p.specification_id, p.current_version) for p in products}
    query = (
        select(Specification)
        .where(Specification.specification_id.in_({s for s, _ in wanted}))
        .options(selectinload(Specification.tests))
    )
    found = {
        spec.product_code: spec
        for spec in session.scalars(query)
        if (spec.specification_id, spec.version) in wanted
    }
    return found


def get_method(session: Session, code: str) -> Method | None:
    """The method with that code."""
    return session.get(Method, code)


def list_methods(session: Session, *, include_inactive: bool = False) -> Sequence[Method]:
    """Methods by code; retired ones only when asked."""
    query = select(Method).order_by(Method.code)
    if not include_inactive:
        query = query.where(Method.active.is_(True))
    return session.scalars(query).all()


def methods_by_code(session: Session, codes: set[str]) -> dict[str, Method]:
    """The methods with these codes, by code, in one query."""
    if not codes:
        return {}
    return {m.code: m for m in session.scalars(select(Method).where(Method.code.in_(codes)))}


def list_specifications(session: Session, specification_id: str) -> Sequence[Specification]:
    """Every version of a specification with its tests, newest first."""
    query = (
        select(Specification)
        .where(Specification.specification_id == specification_id)
        .order_by(Specification.version.desc())
        .options(selectinload(Specification.tests))
    )
    return session.scalars(query).all()


# Built once: the hottest reads. One parent with a handful of children loads in one joined query.
_PLAN = (
    select(TestPlan)
    .where(TestPlan.lab_number == bindparam("lab_number"))
    .options(joinedload(TestPlan.tests).joinedload(PlannedTest.results))
)
_TEST = (
    select(PlannedTest)
    .where(PlannedTest.test_id == bindparam("test_id"))
    .options(joinedload(PlannedTest.results))
)
# PostgreSQL cannot lock the nullable side of an outer join: lock the test's row only.
_TEST_FOR_UPDATE = _TEST.with_for_update(of=PlannedTest)


def get_plan(session: Session, lab_number: str) -> TestPlan | None:
    """A sample's test plan with its tests and their results."""
    return session.execute(_PLAN, {"lab_number": lab_number}).unique().scalar_one_or_none()


def get_test(session: Session, test_id: str, *, for_update: bool = False) -> PlannedTest | None:
    """One test with its results; `for_update` locks its row until the transaction ends."""
    query = _TEST_FOR_UPDATE if for_update else _TEST
    return session.execute(query, {"test_id": test_id}).unique().scalar_one_or_none()


def list_tests(
    session: Session,
    *,
    analyst: str = "",
    statuses: Sequence[str] = (),
    lab_number: str = "",
    limit: int = 100,
    offset: int = 0,
) -> tuple[Sequence[PlannedTest], int]:
    """A page of tests matching every given filter (oldest lab number first), and the total."""
    where = []
    if analyst:
        where.append(PlannedTest.analyst == analyst)
    if statuses:
        where.append(PlannedTest.status.in_(statuses))
    if lab_number:
        where.append(PlannedTest.lab_number == lab_number)
    total = session.scalar(select(func.count()).select_from(PlannedTest).where(*where))
    query = (
        select(PlannedTest)
        .where(*where)
        .order_by(PlannedTest.lab_number, PlannedTest.sequence)
        .limit(limit)
        .offset(offset)
        .options(selectinload(PlannedTest.results))
    )
    return session.scalars(query).all(), total or 0
