"""Pure rules of the catalogue beyond domain.py's: methods, and the checks of a specification
test's warning limits, LOD/LOQ and formula. No I/O."""

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from kernel.errors import InvalidArgument
from services.testing import domain, formula
from services.testing.domain import Calculation, CriterionKind, ProductDefinition, SpecTest

_METHOD_CODE = re.compile(r"[A-Z0-9][A-Z0-9.-]{0,39}")
_INPUT_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")
MAX_INPUTS = 12
SOURCES = ("Ph. Eur.", "USP", "BP", "Int. Ph.", "manufacturer", "in-house")


class Technique(StrEnum):
    """The analytical techniques a method may use (a fixed list: reports and KPIs group by it)."""

    HPLC = "HPLC"
    GC = "GC"
    UV = "UV"
    IR = "IR"
    TLC = "TLC"
    DISSOLUTION = "dissolution"
    DISINTEGRATION = "disintegration"
    KARL_FISCHER = "Karl Fischer"
    TITRATION = "titration"
    MICROBIOLOGY = "microbiology"
    VISUAL = "visual"
    PH = "pH"
    MASS = "mass"
    OTHER = "other"


@dataclass(frozen=True)
class MethodDefinition:
    """A test method: the lab's SOP or a pharmacopoeia chapter, and its technique."""

    code: str
    title: str
    reference: str
    technique: str


def method_problems(method: MethodDefinition) -> list[str]:
    """Everything that makes a method unusable, each naming its field; empty when sound."""
    problems: list[str] = []
    if not _METHOD_CODE.fullmatch(method.code):
        problems.append(
            f"code {method.code!r}: 1 to 40 upper-case letters, digits, '.' and '-' "
            "(e.g. SOP-HPLC-012)"
        )
    if not method.title.strip():
        problems.append("title: required")
    if not method.reference.strip():
        problems.append("reference: required (the SOP or the pharmacopoeia chapter)")
    if method.technique not in set(Technique):
        allowed = ", ".join(Technique)
        problems.append(f"technique {method.technique!r}: one of {allowed}")
    return problems


def default_display(spec: SpecTest) -> str:
    """The limit as printed when the specification does not say it otherwise."""
    crit, unit = spec.criterion, f" {spec.unit}" if spec.unit else ""
    match crit.kind:
        case CriterionKind.RANGE:
            return f"{crit.low} – {crit.high}{unit}"
        case CriterionKind.NOT_LESS_THAN:
            return f"≥ {crit.low}{unit}"
        case CriterionKind.NOT_MORE_THAN:
            return f"≤ {crit.high}{unit}"
    return crit.expected_text


def _limit_problems(spec: SpecTest, where: str) -> list[str]:
    problems: list[str] = []
    crit = spec.criterion
    for name in ("warning_low", "warning_high", "lod", "loq"):
        text = getattr(spec, name)
        if text and not domain.is_number(text):
            problems.append(f"{where}: {name} {text!r} is not a number")
    if problems:
        return problems
    optional = (spec.warning_low, spec.warning_high, spec.lod, spec.loq)
    if spec.calculation is Calculation.TEXT:
        if any(optional):
            problems.append(f"{where}: a text test has no warning limits, LOD or LOQ")
        return problems
    wl, wh = (Decimal(t) if t else None for t in (spec.warning_low, spec.warning_high))
    if wl is not None and wh is not None and wl > wh:
        problems.append(f"{where}: warning_low {wl} is above warning_high {wh}")
    # Warning limits sit inside the acceptance limits: a warning comes before a failure.
    if wl is not None and domain.is_number(crit.low) and wl < Decimal(crit.low):
        problems.append(f"{where}: warning_low {wl} is below the acceptance limit {crit.low}")
    if wh is not None and domain.is_number(crit.high) and wh > Decimal(crit.high):
        problems.append(f"{where}: warning_high {wh} is above the acceptance limit {crit.high}")
    lod, loq = (Decimal(t) if t else None for t in (spec.lod, spec.loq))
    if (lod is not None and lod <= 0) or (loq is not None and loq <= 0):
        problems.append(f"{where}: LOD and LOQ must be above 0")
    elif lod is not None and loq is not None and lod > loq:
        problems.append(f"{where}: lod {lod} is above loq {loq}")
    # A result below the LOQ could never be shown to meet a limit under the LOQ.
    if loq is not None and domain.is_number(crit.high) and loq > Decimal(crit.high):
        problems.append(f"{where}: loq {loq} is above the acceptance limit {crit.high}")
    return problems


def _formula_problems(spec: SpecTest, where: str) -> list[str]:
    if spec.calculation is not Calculation.FORMULA:
        if spec.formula.strip() or spec.inputs:
            return [f"{where}: a formula and its inputs go with a formula calculation only"]
        return []
    problems: list[str] = []
    names = [i.name for i in spec.inputs]
    if not names:
        problems.append(f"{where}: a formula needs at least one named input")
    if len(names) > MAX_INPUTS:
        problems.append(f"{where}: at most {MAX_INPUTS} inputs")
    for name in names:
        if not _INPUT_NAME.fullmatch(name) or name in formula.FUNCTIONS:
            problems.append(
                f"{where}: input name {name!r}: lower-case letters, digits and '_', "
                "starting with a letter, and not a function name"
            )
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{where}: input {name} appears more than once")
    try:
        parsed = formula.parse(spec.formula)
    except InvalidArgument as error:
        return [*problems, f"{where}: {error}"]
    unknown = [n for n in parsed.names if n not in names]
    if unknown:
        problems.append(f"{where}: the formula uses {', '.join(unknown)}, not among the inputs")
    unused = [n for n in names if n not in parsed.names]
    if unused:
        problems.append(f"{where}: input {', '.join(unused)} is not used by the formula")
    return problems


def spec_test_problems(spec: SpecTest) -> list[str]:
    """Every problem of a specification test: domain.py's, then limits, LOD/LOQ and formula."""
    where = f"test {spec.code or '?'}"
    problems = domain.spec_test_problems(spec)
    problems.extend(_limit_problems(spec, where))
    problems.extend(_formula_problems(spec, where))
    return problems


def definition_problems(definition: ProductDefinition) -> list[str]:
    """Every problem of a product definition, its specification's tests checked in full."""
    problems = domain.product_problems(definition)
    for test in definition.tests:
        extra = [p for p in spec_test_problems(test) if p not in problems]
        problems.extend(extra)
    if not definition.source.strip():
        problems.append("source: required (e.g. Ph. Eur., USP, manufacturer, in-house)")
    if not definition.reference.strip():
        problems.append("reference: required (the monograph or the registered specification)")
    return problems
