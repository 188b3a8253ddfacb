"""Pure rules of testing: specification tests, reportable values, rounding, conformity, test states.

Numbers are Decimal from end to end: a result is entered as text, calculated at high precision,
rounded once (half away from zero, the pharmacopoeial convention) and the ROUNDED value is
compared with the limits, as Ph. Eur. General Notices and USP General Notices 7.20 prescribe.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from kernel.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from kernel.lifecycle import TestStatus, can_transition_test

# Enough digits that no calculation on lab values loses anything before the final rounding.
_PRECISION = 60
# Longest raw number accepted: lab values have a handful of digits; this bounds the arithmetic.
_MAX_NUMBER_LENGTH = 30
_MAX_TEXT_LENGTH = 500
# Decimals kept for the record of an unrounded value that does not terminate (a mean of 3, a root).
_RECORD_DECIMALS = 12
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]*")


class Calculation(StrEnum):
    """From replicate values to the reportable value (names match the proto enum)."""

    SINGLE = "single"
    MEAN = "mean"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    ACCEPTANCE_VALUE = "acceptance_value"
    TEXT = "text"
    # A formula over named raw values, evaluated per replicate, then the mean (evaluation.py).
    FORMULA = "formula"


class CriterionKind(StrEnum):
    """Kind of acceptance criterion."""

    RANGE = "range"
    NOT_LESS_THAN = "not_less_than"
    NOT_MORE_THAN = "not_more_than"
    TEXT = "text"


class Conformity(StrEnum):
    """Verdict of a result against its criterion."""

    CONFORMS = "conforms"
    DOES_NOT_CONFORM = "does_not_conform"


class ReviewOutcome(StrEnum):
    """What the reviewer decided about a result."""

    ACCEPTED = "accepted"
    SENT_BACK = "sent_back"


@dataclass(frozen=True)
class Criterion:
    """An acceptance criterion; limits are decimal strings ('' when the kind has none)."""

    kind: CriterionKind
    low: str = ""
    high: str = ""
    expected_text: str = ""
    display: str = ""


@dataclass(frozen=True)
class FormulaInput:
    """One named raw value of a formula, e.g. area_sample, "Peak area, sample", "mAU·s"."""

    name: str
    label: str = ""
    unit: str = ""


@dataclass(frozen=True)
class SpecTest:
    """One test of a specification, as planned and judged. The fields after `criterion` are
    optional ('' or empty: not set), so a test written before them reads the same."""

    code: str
    name: str
    method: str
    technique: str
    unit: str
    replicates: int
    calculation: Calculation
    decimals: int
    criterion: Criterion
    method_code: str = ""  # the catalogue method; `method` keeps the free text (conditions)
    warning_low: str = ""
    warning_high: str = ""
    lod: str = ""
    loq: str = ""
    formula: str = ""
    inputs: tuple[FormulaInput, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """What a submission of raw values yields."""

    values: tuple[str, ...]
    unrounded: str
    reportable: str
    conformity: Conformity
    # A conforming result outside the warning limits (evaluation.py).
    warning: bool = False
    # The rounded result was below the LOQ and is reported as "< LOQ".
    below_loq: bool = False
    # A formula's value for each replicate (unrounded, as recorded), before the mean.
    replicate_values: tuple[str, ...] = ()


def is_number(text: str) -> bool:
    """True for a plain decimal as limits and raw values are written ("95.0", "-0.5")."""
    return _is_number(text)


def _is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text)) and len(text) <= _MAX_NUMBER_LENGTH


def spec_test_problems(spec: SpecTest) -> list[str]:
    """Everything that makes a specification test unusable; empty when it is sound."""
    where = f"test {spec.code or '?'}"
    problems: list[str] = []
    if not _CODE.fullmatch(spec.code):
        problems.append(f"{where}: code must be upper-case letters, digits and '-'")
    if not spec.name.strip():
        problems.append(f"{where}: name is required")
    if spec.replicates < 1:
        problems.append(f"{where}: replicates must be at least 1")
    if not 0 <= spec.decimals <= 6:
        problems.append(f"{where}: decimals must be between 0 and 6")
    calc, crit = spec.calculation, spec.criterion
    if calc in (Calculation.SINGLE, Calculation.TEXT) and spec.replicates != 1:
        problems.append(f"{where}: a {calc} calculation takes exactly 1 replicate")
    if calc is Calculation.ACCEPTANCE_VALUE and spec.replicates not in ACCEPTABILITY_CONSTANTS:
        problems.append(f"{where}: an acceptance value is computed from 10 or 30 units")
    if (calc is Calculation.TEXT) != (crit.kind is CriterionKind.TEXT):
        problems.append(f"{where}: a text criterion goes with a text calculation, and only with it")
    needs_low = crit.kind in (CriterionKind.RANGE, CriterionKind.NOT_LESS_THAN)
    needs_high = crit.kind in (CriterionKind.RANGE, CriterionKind.NOT_MORE_THAN)
    if needs_low and not _is_number(crit.low):
        problems.append(f"{where}: criterion low {crit.low!r} is not a number")
    if needs_high and not _is_number(crit.high):
        problems.append(f"{where}: criterion high {crit.high!r} is not a number")
    if (
        crit.kind is CriterionKind.RANGE
        and _is_number(crit.low)
        and _is_number(crit.high)
        and Decimal(crit.low) > Decimal(crit.high)
    ):
        problems.append(f"{where}: criterion low {crit.low} is above high {crit.high}")
    if crit.kind is CriterionKind.TEXT and not crit.expected_text.strip():
        problems.append(f"{where}: a text criterion needs the expected text")
    return problems


def round_half_away(value: Decimal, decimals: int) -> Decimal:
    """Rounds to `decimals` places, halves away from zero (Decimal's ROUND_HALF_UP is exactly that)."""
    with localcontext() as ctx:
        ctx.prec = max(_PRECISION, value.adjusted() + decimals + 2)
        rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    # -0.0 is a rounding artefact, not a result a person should read.
    return rounded.copy_abs() if rounded.is_zero() else rounded


def judge(value: Decimal, criterion: Criterion) -> Conformity:
    """Verdict of a (rounded) number against a numeric criterion; limits are inclusive."""
    kind = criterion.kind
    if kind is CriterionKind.TEXT:
        raise ValueError("a text criterion judges an observation, not a number")
    ok = True
    if kind in (CriterionKind.RANGE, CriterionKind.NOT_LESS_THAN):
        ok = ok and value >= Decimal(criterion.low)
    if kind in (CriterionKind.RANGE, CriterionKind.NOT_MORE_THAN):
        ok = ok and value <= Decimal(criterion.high)
    return Conformity.CONFORMS if ok else Conformity.DOES_NOT_CONFORM


def judge_text(observation: str, criterion: Criterion) -> Conformity:
    """Verdict of an observation: case-insensitive equality with the expected text, spaces trimmed."""
    same = observation.strip().casefold() == criterion.expected_text.strip().casefold()
    return Conformity.CONFORMS if same else Conformity.DOES_NOT_CONFORM


# Ph. Eur. 2.9.40 acceptability constant k by sample size n.
ACCEPTABILITY_CONSTANTS = {10: Decimal("2.4"), 30: Decimal("2.0")}
# Ph. Eur. 2.9.40 reference value window for a target content T <= 101.5 %.
_M_LOW, _M_HIGH = Decimal("98.5"), Decimal("101.5")


def acceptance_value(contents: Sequence[Decimal]) -> Decimal:
    """Ph. Eur. 2.9.40 AV = |M - X̄| + k·s from individual contents in % of label claim (T <= 101.5)."""
    n = len(contents)
    if n not in ACCEPTABILITY_CONSTANTS:
        raise ValueError(f"an acceptance value needs 10 or 30 units, not {n}")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        mean = sum(contents, Decimal(0)) / n
        s = (sum(((x - mean) ** 2 for x in contents), Decimal(0)) / (n - 1)).sqrt()
        m = _M_LOW if mean < _M_LOW else _M_HIGH if mean > _M_HIGH else mean
        return abs(m - mean) + ACCEPTABILITY_CONSTANTS[n] * s


def calculate(calculation: Calculation, values: Sequence[Decimal]) -> Decimal:
    """The unrounded reportable value of numeric replicates."""
    if not values:
        raise ValueError("no values to calculate from")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        match calculation:
            case Calculation.SINGLE:
                return values[0]
            case Calculation.MEAN:
                return sum(values, Decimal(0)) / len(values)
            case Calculation.MINIMUM:
                return min(values)
            case Calculation.MAXIMUM:
                return max(values)
            case Calculation.ACCEPTANCE_VALUE:
                return acceptance_value(values)
    raise ValueError(f"{calculation} is not a numeric calculation")


def record_text(value: Decimal) -> str:
    """The unrounded value as kept for the record: exact when it terminates within 12 decimals."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_RECORD_DECIMALS:
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            value = value.quantize(Decimal(1).scaleb(-_RECORD_DECIMALS))
    return format(value, "f")


def _show(raw: str) -> str:
    return raw if len(raw) <= 40 else raw[:37] + "..."


def parse_number(position: int, raw: str) -> Decimal:
    """One raw replicate value as a Decimal; the error names its position in `values`."""
    text = raw.strip()
    if not text:
        raise InvalidArgument(f"values[{position}]: a number is required")
    if _is_number(text):
        return Decimal(text)
    hint = ""
    if _is_number(text.replace(",", ".", 1)):
        hint = " (use a point as the decimal separator)"
    raise InvalidArgument(f"values[{position}]: '{_show(raw)}' is not a number{hint}")


def check_count(values: Sequence[str], replicates: int) -> None:
    """Refuses a submission with another number of values than the specification asks."""
    if len(values) != replicates:
        noun = "value" if replicates == 1 else "values"
        raise InvalidArgument(f"values: expected {replicates} {noun}, got {len(values)}")


def evaluate(spec: SpecTest, raw_values: Sequence[str]) -> Evaluation:
    """Validates raw values, then calculates, rounds and judges the reportable result."""
    check_count(raw_values, spec.replicates)
    if spec.calculation is Calculation.TEXT:
        observation = raw_values[0].strip()
        if not observation:
            raise InvalidArgument("values[0]: an observation is required")
        if len(observation) > _MAX_TEXT_LENGTH:
            raise InvalidArgument(f"values[0]: at most {_MAX_TEXT_LENGTH} characters")
        return Evaluation(
            values=(observation,),
            unrounded="",
            reportable=observation,
            conformity=judge_text(observation, spec.criterion),
        )
    numbers = [parse_number(i, raw) for i, raw in enumerate(raw_values)]
    unrounded = calculate(spec.calculation, numbers)
    rounded = round_half_away(unrounded, spec.decimals)
    return Evaluation(
        values=tuple(raw.strip() for raw in raw_values),
        unrounded=record_text(unrounded),
        reportable=format(rounded, "f"),
        conformity=judge(rounded, spec.criterion),
    )


def check_assignable(test_id: str, status: TestStatus) -> None:
    """A test is assigned while pending, or reassigned while assigned (before its result)."""
    if status not in (TestStatus.PENDING, TestStatus.ASSIGNED) or not can_transition_test(
        status, TestStatus.ASSIGNED
    ):
        raise FailedPrecondition(
            f"test {test_id} is {status}: it can be assigned only while pending or assigned"
        )


def check_submittable(test_id: str, status: TestStatus, analyst: str, username: str) -> None:
    """Only the assigned analyst submits, and only while the test is assigned."""
    if status is not TestStatus.ASSIGNED or not can_transition_test(status, TestStatus.SUBMITTED):
        raise FailedPrecondition(
            f"test {test_id} is {status}: a result can be submitted only while it is assigned"
        )
    if username != analyst:
        raise PermissionDenied(f"test {test_id} is assigned to '{analyst}', not '{username}'")


def check_reviewable(test_id: str, status: TestStatus, submitter: str, reviewer: str) -> None:
    """A submitted result is reviewed, and never by the analyst who entered it."""
    if status is not TestStatus.SUBMITTED:
        raise FailedPrecondition(
            f"test {test_id} is {status}: only a submitted result can be reviewed"
        )
    if reviewer == submitter:
        raise PermissionDenied(
            f"test {test_id}: '{reviewer}' entered this result and cannot review it"
        )


def review_transition(accepted: bool) -> tuple[TestStatus, ReviewOutcome]:
    """Where a review sends the test: accepted, or back to its analyst."""
    if accepted:
        return TestStatus.ACCEPTED, ReviewOutcome.ACCEPTED
    return TestStatus.ASSIGNED, ReviewOutcome.SENT_BACK


def planned_test_id(lab_number: str, sequence: int) -> str:
    """'<lab number>-<2-digit sequence>', e.g. LNCM-2026-00001-03."""
    return f"{lab_number}-{sequence:02d}"


@dataclass(frozen=True)
class ProductDefinition:
    """A product and the content of its specification, as an administrator (or the demo) defines it."""

    code: str
    name: str
    inn: str
    dosage_form: str
    strength: str
    source: str
    reference: str
    tests: tuple[SpecTest, ...]
    # Units one full analysis to the specification uses (0: not stated). Reception needs 3 x
    # this at receipt: the test plan and a retained part for two re-analyses (WHO TRS 957 §20.1).
    units_per_analysis: int = 0


def product_problems(definition: ProductDefinition) -> list[str]:
    """Everything that makes a product definition unusable; empty when it is sound."""
    problems: list[str] = []
    if not _CODE.fullmatch(definition.code):
        problems.append(f"product code {definition.code!r}: upper-case letters, digits and '-'")
    if not definition.name.strip():
        problems.append(f"product {definition.code}: name is required")
    if not definition.tests:
        problems.append(f"product {definition.code}: the specification has no test")
    if definition.units_per_analysis < 0:
        problems.append(f"product {definition.code}: units per analysis must not be negative")
    codes = [t.code for t in definition.tests]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(f"product {definition.code}: test code {code} appears more than once")
    for test in definition.tests:
        problems.extend(spec_test_problems(test))
    return problems
