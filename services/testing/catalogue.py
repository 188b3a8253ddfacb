"""Use cases of the catalogue: products and their versioned specifications."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from kernel import audit
from kernel.errors import InvalidArgument, NotFound
from kernel.timefmt import utcnow
from services.testing import domain, repository, spec_rules
from services.testing.domain import Calculation, Criterion, CriterionKind, FormulaInput, SpecTest
from services.testing.models import (
    AuditEntry,
    AuditHead,
    Product,
    SpecColumns,
    Specification,
    SpecificationTest,
)


@dataclass(frozen=True)
class ProductView:
    """A product with the specification version in force."""

    product: Product
    specification: Specification


def write_audit(
    session: Session,
    who: audit.Who,
    action: str,
    entity_type: str,
    entity_id: str,
    *,
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> None:
    """Appends an entry to the testing service's audit chain, in the caller's transaction."""
    audit.record(
        session,
        AuditEntry,
        AuditHead,
        who=who,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        old=old,
        new=new,
        reason=reason,
    )


def spec_of(row: SpecColumns) -> SpecTest:
    """The domain view of a specification test's columns."""
    return SpecTest(
        code=row.code,
        name=row.name,
        method=row.method,
        technique=row.technique,
        unit=row.unit,
        replicates=row.replicates,
        calculation=Calculation(row.calculation),
        decimals=row.decimals,
        criterion=Criterion(
            kind=CriterionKind(row.criterion_kind),
            low=row.criterion_low,
            high=row.criterion_high,
            expected_text=row.criterion_expected_text,
            display=row.criterion_display,
        ),
        method_code=row.method_code,
        warning_low=row.warning_low,
        warning_high=row.warning_high,
        lod=row.lod,
        loq=row.loq,
        formula=row.formula,
        inputs=tuple(
            FormulaInput(i["name"], i.get("label", ""), i.get("unit", ""))
            for i in row.formula_inputs
        ),
    )


def spec_columns(spec: SpecTest) -> dict[str, Any]:
    """Keyword arguments that copy a specification test onto a row."""
    crit = spec.criterion
    return {
        "code": spec.code,
        "name": spec.name,
        "method": spec.method,
        "technique": spec.technique,
        "unit": spec.unit,
        "replicates": spec.replicates,
        "calculation": str(spec.calculation),
        "decimals": spec.decimals,
        "criterion_kind": str(crit.kind),
        "criterion_low": crit.low,
        "criterion_high": crit.high,
        "criterion_expected_text": crit.expected_text,
        "criterion_display": crit.display,
        "method_code": spec.method_code,
        "warning_low": spec.warning_low,
        "warning_high": spec.warning_high,
        "lod": spec.lod,
        "loq": spec.loq,
        "formula": spec.formula,
        "formula_inputs": [asdict(i) for i in spec.inputs],
    }


def get_product(session: Session, code: str) -> ProductView:
    """A product with its current specification."""
    product = repository.get_product(session, code.strip())
    if product is None:
        raise NotFound(f"unknown product '{code}'")
    spec = repository.get_specification(session, product.specification_id, product.current_version)
    assert spec is not None, "a product always points to an existing specification version"
    return ProductView(product, spec)


def list_products(session: Session) -> list[ProductView]:
    """Every product of the catalogue with its current specification, by name."""
    products = repository.list_products(session)
    specs = repository.current_specifications(session, products)
    return [ProductView(p, specs[p.code]) for p in products]


def _product_fields(definition: domain.ProductDefinition) -> dict[str, Any]:
    return {
        "name": definition.name,
        "inn": definition.inn,
        "dosage_form": definition.dosage_form,
        "strength": definition.strength,
        "units_per_analysis": definition.units_per_analysis,
    }


def _spec_content(source: str, reference: str, tests: Sequence[SpecTest]) -> dict[str, Any]:
    return {"source": source, "reference": reference, "tests": [asdict(t) for t in tests]}


def ensure_product(
    session: Session, definition: domain.ProductDefinition, who: audit.Who, reason: str = ""
) -> ProductView:
    """Makes the catalogue hold this product and specification: creates it, or adds a specification
    version when the content differs from the one in force. Unchanged content changes nothing.
    `reason` goes on every audit entry written."""
    problems = spec_rules.definition_problems(definition)
    if problems:
        raise InvalidArgument("; ".join(problems))
    now = utcnow()
    wanted = _spec_content(definition.source, definition.reference, definition.tests)
    product = repository.get_product(session, definition.code)
    if product is None:
        product = Product(
            code=definition.code,
            specification_id=f"SPEC-{definition.code}",
            current_version=0,
            created_at=now,
            **_product_fields(definition),
        )
        session.add(product)
        session.flush()
        write_audit(
            session,
            who,
            "product_created",
            "product",
            product.code,
            new=_product_fields(definition),
            reason=reason,
        )
        current = None
    else:
        old_fields = {k: getattr(product, k) for k in _product_fields(definition)}
        if old_fields != _product_fields(definition):
            for key, value in _product_fields(definition).items():
                setattr(product, key, value)
            write_audit(
                session,
                who,
                "product_changed",
                "product",
                product.code,
                old=old_fields,
                new=_product_fields(definition),
                reason=reason,
            )
        current = repository.get_specification(
            session, product.specification_id, product.current_version
        )
    if current is not None:
        in_force = _spec_content(
            current.source, current.reference, [spec_of(t) for t in current.tests]
        )
        if in_force == wanted:
            return ProductView(product, current)
    version = product.current_version + 1
    spec = Specification(
        specification_id=product.specification_id,
        version=version,
        product_code=product.code,
        source=definition.source,
        reference=definition.reference,
        created_at=now,
        created_by=who.username,
        tests=[
            SpecificationTest(position=i, **spec_columns(t))
            for i, t in enumerate(definition.tests, 1)
        ],
    )
    session.add(spec)
    product.current_version = version
    session.flush()
    write_audit(
        session,
        who,
        "specification_version_created",
        "specification",
        f"{product.specification_id}/v{version}",
        new=wanted,
        reason=reason,
    )
    return ProductView(product, spec)
