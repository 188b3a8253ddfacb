"""From raw values to the reportable result with everything the catalogue adds to domain.evaluate:
formulas over named inputs, the LOQ and warning limits. Pure: no I/O.

Order, for a numeric test: replicate values (a formula is evaluated once per replicate) ->
calculation (a formula's replicates are averaged) -> rounding to the reportable decimals, half
away from zero -> the ROUNDED value is compared with the LOQ, the acceptance limits, then the
warning limits.

- Below the LOQ: the rounded value is below the LOQ; the result is reported "< LOQ". It conforms
  only if every value from 0 up to the LOQ would conform (the true value is somewhere there): an
  impurity "not more than 0.10 %" with an LOQ of 0.05 % conforms; an assay "not less than 95 %"
  does not. A result below the LOQ raises no warning. The LOD is recorded and shown, and does not
  change the result (below the LOQ already says "not quantified").
- Warning: a conforming result outside its warning limits (limits inclusive, as the acceptance
  limits are) is flagged; the verdict stays "conforms".
"""

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal, localcontext

from kernel.errors import InvalidArgument
from services.testing import domain, formula
from services.testing.domain import Calculation, Conformity, Criterion, Evaluation, SpecTest

BELOW_LOQ = "< LOQ"


def values_expected(spec: SpecTest) -> int:
    """How many raw values a submission carries: for a formula, each input of each replicate."""
    if spec.calculation is Calculation.FORMULA:
        return spec.replicates * len(spec.inputs)
    return spec.replicates


def input_of(spec: SpecTest, position: int) -> tuple[int, str]:
    """(replicate, input name) of a formula test's raw value at `position` in `values`:
    replicate after replicate, each replicate's inputs in the order the test declares them."""
    count = len(spec.inputs)
    return position // count + 1, spec.inputs[position % count].name


def _formula_replicates(spec: SpecTest, raw_values: Sequence[str]) -> list[Decimal]:
    expected = values_expected(spec)
    if len(raw_values) != expected:
        names = ", ".join(i.name for i in spec.inputs)
        raise InvalidArgument(
            f"values: expected {expected} values ({spec.replicates} x {names}), "
            f"got {len(raw_values)}"
        )
    parsed = formula.parse(spec.formula)
    numbers: list[Decimal] = []
    for position, raw in enumerate(raw_values):
        try:
            numbers.append(domain.parse_number(position, raw))
        except InvalidArgument as error:
            replicate, name = input_of(spec, position)
            raise InvalidArgument(f"{error} ({name}, replicate {replicate})") from None
    count = len(spec.inputs)
    results: list[Decimal] = []
    for start in range(0, len(numbers), count):
        named = {
            i.name: n for i, n in zip(spec.inputs, numbers[start : start + count], strict=True)
        }
        try:
            results.append(parsed.evaluate(named))
        except InvalidArgument as error:
            raise InvalidArgument(f"values: replicate {start // count + 1}: {error}") from None
    return results


def below_loq_conformity(loq: Decimal, criterion: Criterion) -> Conformity:
    """A result below the LOQ conforms only if 0 and the LOQ both do (criteria are intervals)."""
    both = (domain.judge(Decimal(0), criterion), domain.judge(loq, criterion))
    return (
        Conformity.CONFORMS if set(both) == {Conformity.CONFORMS} else Conformity.DOES_NOT_CONFORM
    )


def outside_warning(value: Decimal, spec: SpecTest) -> bool:
    """True when the (rounded) value is below warning_low or above warning_high."""
    low = spec.warning_low and value < Decimal(spec.warning_low)
    high = spec.warning_high and value > Decimal(spec.warning_high)
    return bool(low or high)


def evaluate(spec: SpecTest, raw_values: Sequence[str]) -> Evaluation:
    """Validates raw values, then calculates, rounds, applies the LOQ and judges the result."""
    if spec.calculation is Calculation.TEXT:
        return domain.evaluate(spec, raw_values)
    if spec.calculation is Calculation.FORMULA:
        replicates = _formula_replicates(spec, raw_values)
        with localcontext() as ctx:
            ctx.prec = 60
            unrounded = sum(replicates, Decimal(0)) / len(replicates)
        rounded = domain.round_half_away(unrounded, spec.decimals)
        evaluation = Evaluation(
            values=tuple(raw.strip() for raw in raw_values),
            unrounded=domain.record_text(unrounded),
            reportable=format(rounded, "f"),
            conformity=domain.judge(rounded, spec.criterion),
            replicate_values=tuple(domain.record_text(r) for r in replicates),
        )
    else:
        evaluation = domain.evaluate(spec, raw_values)
        rounded = Decimal(evaluation.reportable)
    if spec.loq and rounded < Decimal(spec.loq):
        return replace(
            evaluation,
            reportable=BELOW_LOQ,
            below_loq=True,
            conformity=below_loq_conformity(Decimal(spec.loq), spec.criterion),
        )
    if evaluation.conformity is Conformity.CONFORMS and outside_warning(rounded, spec):
        return replace(evaluation, warning=True)
    return evaluation
