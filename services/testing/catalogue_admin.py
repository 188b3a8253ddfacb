"""Use cases of the catalogue's administration: methods, new products, specification versions.
Each takes the caller's session, flushes, never commits, and audits every change, with its
reason, in that same session."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from sqlalchemy.orm import Session

from kernel import audit
from kernel.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from kernel.timefmt import utcnow
from services.testing import catalogue, repository, spec_rules
from services.testing.catalogue import ProductView, spec_columns, spec_of, write_audit
from services.testing.domain import ProductDefinition, SpecTest
from services.testing.models import Method, Product, Specification, SpecificationTest
from services.testing.spec_rules import MethodDefinition

_MAX_REASON = 2000


@dataclass(frozen=True)
class ProductVersions:
    """A product and every version of its specification, newest first."""

    product: Product
    versions: Sequence[Specification]


def _require(who: audit.Who, reason: str) -> str:
    if not who.username.strip():
        raise InvalidArgument("actor.username is required")
    reason = reason.strip()
    if not reason:
        raise InvalidArgument("reason: required (why the catalogue changes)")
    if len(reason) > _MAX_REASON:
        raise InvalidArgument(f"reason: at most {_MAX_REASON} characters")
    return reason


def _method_fields(method: Method) -> dict[str, object]:
    return {
        "title": method.title,
        "reference": method.reference,
        "technique": method.technique,
        "active": method.active,
    }


# ---- methods ------------------------------------------------------------------------------------


def list_methods(session: Session, *, include_inactive: bool = False) -> Sequence[Method]:
    """The methods in use, by code (retired ones too when asked)."""
    return repository.list_methods(session, include_inactive=include_inactive)


def create_method(
    session: Session, definition: MethodDefinition, who: audit.Who, reason: str
) -> Method:
    """Adds a method to the catalogue."""
    definition = MethodDefinition(
        code=definition.code.strip(),
        title=definition.title.strip(),
        reference=definition.reference.strip(),
        technique=definition.technique.strip(),
    )
    problems = spec_rules.method_problems(definition)
    if problems:
        raise InvalidArgument("; ".join(problems))
    reason = _require(who, reason)
    if repository.get_method(session, definition.code) is not None:
        raise AlreadyExists(f"code: a method {definition.code} already exists")
    method = Method(**asdict(definition), active=True, created_at=utcnow())
    session.add(method)
    session.flush()
    write_audit(
        session,
        who,
        "method_created",
        "method",
        method.code,
        new=_method_fields(method),
        reason=reason,
    )
    return method


def update_method(
    session: Session,
    code: str,
    definition: MethodDefinition,
    active: bool,
    who: audit.Who,
    reason: str,
) -> Method:
    """Changes a method's title, reference, technique or retires it; specification tests already
    written keep their copy of the method's text."""
    method = repository.get_method(session, code.strip())
    if method is None:
        raise NotFound(f"unknown method '{code}'")
    definition = MethodDefinition(
        code=method.code,
        title=definition.title.strip(),
        reference=definition.reference.strip(),
        technique=definition.technique.strip(),
    )
    problems = spec_rules.method_problems(definition)
    if problems:
        raise InvalidArgument("; ".join(problems))
    reason = _require(who, reason)
    old = _method_fields(method)
    method.title, method.reference = definition.title, definition.reference
    method.technique, method.active = definition.technique, active
    new = _method_fields(method)
    if new == old:
        return method
    session.flush()
    write_audit(
        session, who, "method_changed", "method", method.code, old=old, new=new, reason=reason
    )
    return method


# ---- products and specification versions -------------------------------------------------------


def _with_methods(session: Session, tests: Sequence[SpecTest]) -> tuple[SpecTest, ...]:
    """Each test linked to a method takes the method's technique (and its reference when the
    test gives no method text); a printed limit left empty is written from the criterion."""
    codes = {t.method_code.strip() for t in tests if t.method_code.strip()}
    found = repository.methods_by_code(session, codes)
    problems: list[str] = []
    resolved: list[SpecTest] = []
    for test in tests:
        code = test.method_code.strip()
        if code:
            method = found.get(code)
            if method is None:
                problems.append(f"test {test.code}: unknown method {code!r}")
            elif not method.active:
                problems.append(f"test {test.code}: method {code} is retired")
            else:
                test = replace(
                    test,
                    method_code=code,
                    technique=method.technique,
                    method=test.method.strip() or method.reference,
                )
        if not test.criterion.display.strip():
            test = replace(
                test, criterion=replace(test.criterion, display=spec_rules.default_display(test))
            )
        resolved.append(test)
    if problems:
        raise InvalidArgument("; ".join(problems))
    return tuple(resolved)


def _check(definition: ProductDefinition) -> None:
    problems = spec_rules.definition_problems(definition)
    if problems:
        raise InvalidArgument("; ".join(problems))


def create_product(
    session: Session, definition: ProductDefinition, who: audit.Who, reason: str
) -> ProductView:
    """A new product with the first version of its specification."""
    reason = _require(who, reason)
    if repository.get_product(session, definition.code.strip()) is not None:
        raise AlreadyExists(f"code: a product {definition.code} already exists")
    definition = replace(definition, tests=_with_methods(session, definition.tests))
    _check(definition)
    return catalogue.ensure_product(session, definition, who, reason)


def add_version(
    session: Session,
    product_code: str,
    source: str,
    reference: str,
    tests: Sequence[SpecTest],
    who: audit.Who,
    reason: str,
    *,
    based_on_version: int = 0,
    dry_run: bool = False,
) -> Specification:
    """A new version of a product's specification, in force for samples planned from now on;
    tests already planned keep the copy they were planned from. `based_on_version` (when not 0)
    refuses the change if another version came in meanwhile; `dry_run` checks and records
    nothing."""
    reason = _require(who, reason)
    view = catalogue.get_product(session, product_code)
    product, current = view.product, view.specification
    if based_on_version and based_on_version != current.version:
        raise FailedPrecondition(
            f"the specification in force is version {current.version}, not {based_on_version}: "
            "start again from the version in force"
        )
    definition = ProductDefinition(
        code=product.code,
        name=product.name,
        inn=product.inn,
        dosage_form=product.dosage_form,
        strength=product.strength,
        units_per_analysis=product.units_per_analysis,
        source=source.strip(),
        reference=reference.strip(),
        tests=_with_methods(session, tests),
    )
    _check(definition)
    unchanged = (current.source, current.reference, [spec_of(t) for t in current.tests]) == (
        definition.source,
        definition.reference,
        list(definition.tests),
    )
    if unchanged:
        raise InvalidArgument(
            f"tests: the same as version {current.version} in force; change something first"
        )
    if dry_run:
        return Specification(
            specification_id=product.specification_id,
            version=current.version + 1,
            product_code=product.code,
            source=definition.source,
            reference=definition.reference,
            created_at=utcnow(),
            created_by=who.username,
            tests=[
                SpecificationTest(position=i, **spec_columns(t))
                for i, t in enumerate(definition.tests, 1)
            ],
        )
    return catalogue.ensure_product(session, definition, who, reason).specification


def list_versions(session: Session, product_code: str) -> ProductVersions:
    """A product and every version of its specification, newest first."""
    product = repository.get_product(session, product_code.strip())
    if product is None:
        raise NotFound(f"unknown product '{product_code}'")
    return ProductVersions(
        product, repository.list_specifications(session, product.specification_id)
    )


def get_version(session: Session, product_code: str, version: int) -> ProductView:
    """One version of a product's specification (0: the one in force)."""
    product = repository.get_product(session, product_code.strip())
    if product is None:
        raise NotFound(f"unknown product '{product_code}'")
    spec = repository.get_specification(
        session, product.specification_id, version or product.current_version
    )
    if spec is None:
        raise NotFound(f"product {product.code} has no specification version {version}")
    return ProductView(product, spec)
