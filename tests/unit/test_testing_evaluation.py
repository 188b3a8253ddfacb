"""From raw values to the reportable result with the catalogue's additions: formulas evaluated per
replicate then averaged, the LOQ ("< LOQ") and warning limits; and the checks of a specification
test that uses them."""

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import InvalidArgument
from services.testing.demo_methods import CHLOROQUINE
from services.testing.domain import (
    Calculation,
    Conformity,
    Criterion,
    CriterionKind,
    FormulaInput,
    SpecTest,
    round_half_away,
)
from services.testing.evaluation import BELOW_LOQ, evaluate, input_of, values_expected
from services.testing.spec_rules import (
    MethodDefinition,
    default_display,
    method_problems,
    spec_test_problems,
)

ASSAY = CHLOROQUINE.tests[2]
RELATED = CHLOROQUINE.tests[3]
ONE_REPLICATE = ["15234.7", "15102.3", "50.12", "50.31", "99.8"]


def numeric(**changes: object) -> SpecTest:
    """A single-value test 'not more than 0.50 %' with 2 decimals."""
    base = SpecTest(
        code="IMP",
        name="Impurity",
        method="HPLC",
        technique="HPLC",
        unit="%",
        replicates=1,
        calculation=Calculation.SINGLE,
        decimals=2,
        criterion=Criterion(CriterionKind.NOT_MORE_THAN, high="0.50"),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_formula_is_evaluated_per_replicate_then_averaged_then_rounded() -> None:
    low = ["14334.7", *ONE_REPLICATE[1:]]
    result = evaluate(ASSAY, ONE_REPLICATE + low)
    assert [v[:8] for v in result.replicate_values] == ["100.2947", "94.36974"]
    assert result.unrounded.startswith("97.33")
    assert (result.reportable, result.conformity, result.warning) == (
        "97.3",
        Conformity.CONFORMS,
        False,
    )
    assert result.values == tuple(ONE_REPLICATE + low)


def test_formula_values_are_given_replicate_after_replicate_in_input_order() -> None:
    assert values_expected(ASSAY) == 10
    assert input_of(ASSAY, 0) == (1, "area_sample")
    assert input_of(ASSAY, 6) == (2, "area_standard")
    with pytest.raises(InvalidArgument, match=r"^values\[6\]: 'x' is not a number"):
        evaluate(ASSAY, [*ONE_REPLICATE, "15234.7", "x", "50.12", "50.31", "99.8"])
    with pytest.raises(InvalidArgument, match=r"\(area_standard, replicate 2\)$"):
        evaluate(ASSAY, [*ONE_REPLICATE, "15234.7", "x", "50.12", "50.31", "99.8"])
    with pytest.raises(InvalidArgument, match=r"^values: expected 10 values"):
        evaluate(ASSAY, ONE_REPLICATE)
    zero = ["15234.7", "0", "50.12", "50.31", "99.8"]
    with pytest.raises(InvalidArgument, match=r"^values: replicate 2: formula: division by zero"):
        evaluate(ASSAY, ONE_REPLICATE + zero)


def test_below_the_loq_is_reported_as_such_and_judged_over_zero_to_the_loq() -> None:
    below = evaluate(RELATED, ["0.044"])  # rounds to 0.04, below the LOQ 0.05
    assert (below.reportable, below.below_loq, below.unrounded) == (BELOW_LOQ, True, "0.044")
    assert below.conformity is Conformity.CONFORMS
    assert not below.warning
    at_loq = evaluate(RELATED, ["0.045"])  # rounds to 0.05: quantified
    assert (at_loq.reportable, at_loq.below_loq) == ("0.05", False)
    # A lower limit above 0 cannot be shown to be met by a value below the LOQ.
    assay = numeric(criterion=Criterion(CriterionKind.NOT_LESS_THAN, low="0.10"), loq="0.05")
    assert evaluate(assay, ["0.01"]).conformity is Conformity.DOES_NOT_CONFORM
    # Nor an upper limit below the LOQ.
    tight = numeric(criterion=Criterion(CriterionKind.NOT_MORE_THAN, high="0.03"), loq="0.05")
    assert evaluate(tight, ["0.01"]).conformity is Conformity.DOES_NOT_CONFORM


def test_a_conforming_result_outside_the_warning_limits_is_flagged() -> None:
    assert evaluate(RELATED, ["0.40"]).warning is False  # limits are inclusive
    flagged = evaluate(RELATED, ["0.405"])  # rounds to 0.41
    assert (flagged.reportable, flagged.warning, flagged.conformity) == (
        "0.41",
        True,
        Conformity.CONFORMS,
    )
    failed = evaluate(RELATED, ["0.51"])
    assert (failed.warning, failed.conformity) == (False, Conformity.DOES_NOT_CONFORM)


def test_plain_calculations_are_unchanged() -> None:
    plain = numeric()
    result = evaluate(plain, ["0.125"])
    assert (result.reportable, result.warning, result.below_loq, result.replicate_values) == (
        "0.13",
        False,
        False,
        (),
    )


# ---- properties ---------------------------------------------------------------------------------

limits = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
raw = st.decimals(min_value=Decimal("0"), max_value=Decimal("150"), places=4)


@given(raw=raw, loq=limits, high=limits)
def test_property_a_result_is_either_quantified_or_below_the_loq(
    raw: Decimal, loq: Decimal, high: Decimal
) -> None:
    spec = numeric(criterion=Criterion(CriterionKind.NOT_MORE_THAN, high=str(high)), loq=str(loq))
    result = evaluate(spec, [str(raw)])
    rounded = round_half_away(raw, 2)
    assert result.below_loq == (rounded < loq)
    if result.below_loq:
        assert result.reportable == BELOW_LOQ
        # Below the LOQ conforms exactly when the LOQ itself is within the limit.
        assert (result.conformity is Conformity.CONFORMS) == (loq <= high)
        assert not result.warning
    else:
        assert Decimal(result.reportable) == rounded


@given(raw=raw, low=limits, width=limits, margin=limits)
def test_property_a_warning_is_only_ever_raised_on_a_conforming_result(
    raw: Decimal, low: Decimal, width: Decimal, margin: Decimal
) -> None:
    high = low + width
    warning_low = min(low + margin, high)
    spec = numeric(
        criterion=Criterion(CriterionKind.RANGE, low=str(low), high=str(high)),
        warning_low=str(warning_low),
    )
    result = evaluate(spec, [str(raw)])
    rounded = round_half_away(raw, 2)
    if result.warning:
        assert result.conformity is Conformity.CONFORMS
        assert rounded < warning_low
    else:
        assert result.conformity is Conformity.DOES_NOT_CONFORM or rounded >= warning_low


@given(
    replicates=st.lists(
        st.lists(raw.filter(lambda d: d > 0), min_size=2, max_size=2), min_size=1, max_size=4
    )
)
def test_property_a_formula_reports_the_rounded_mean_of_its_replicates(
    replicates: list[list[Decimal]],
) -> None:
    spec = numeric(
        calculation=Calculation.FORMULA,
        replicates=len(replicates),
        criterion=Criterion(CriterionKind.NOT_MORE_THAN, high="1000000"),
        formula="x / y",
        inputs=(FormulaInput("x"), FormulaInput("y")),
    )
    values = [str(v) for pair in replicates for v in pair]
    result = evaluate(spec, values)
    expected = sum((x / y for x, y in replicates), Decimal(0)) / len(replicates)
    assert abs(Decimal(result.unrounded) - expected) < Decimal("1e-9")
    assert len(result.replicate_values) == len(replicates)
    assert result.reportable == format(round_half_away(Decimal(result.unrounded), 2), "f") or (
        result.below_loq
    )


# ---- checks of a specification test ------------------------------------------------------------


def test_the_demo_formula_test_is_sound_and_its_faults_are_named() -> None:
    assert spec_test_problems(ASSAY) == []
    assert spec_test_problems(RELATED) == []
    broken = dataclasses.replace(
        ASSAY,
        formula="area_sample / nope",
        inputs=(*ASSAY.inputs, FormulaInput("area_sample")),
        warning_low="90.0",
    )
    problems = spec_test_problems(broken)
    assert "test ASSAY: input area_sample appears more than once" in problems
    assert "test ASSAY: the formula uses nope, not among the inputs" in problems
    assert "test ASSAY: warning_low 90.0 is below the acceptance limit 93.0" in problems
    assert any("is not used by the formula" in p for p in problems)
    assert spec_test_problems(dataclasses.replace(ASSAY, formula="__import__('os')")) != []
    not_formula = dataclasses.replace(RELATED, formula="a")
    assert spec_test_problems(not_formula) == [
        "test RELATED: a formula and its inputs go with a formula calculation only"
    ]
    assert spec_test_problems(dataclasses.replace(RELATED, lod="0.06")) == [
        "test RELATED: lod 0.06 is above loq 0.05"
    ]
    assert spec_test_problems(dataclasses.replace(RELATED, loq="0.60")) == [
        "test RELATED: loq 0.60 is above the acceptance limit 0.50"
    ]
    text = CHLOROQUINE.tests[0]
    assert spec_test_problems(dataclasses.replace(text, loq="0.1")) == [
        "test APPEARANCE: a text test has no warning limits, LOD or LOQ"
    ]


def test_methods_are_checked_field_by_field_and_limits_printed_from_the_criterion() -> None:
    assert method_problems(MethodDefinition("SOP-HPLC-012", "t", "Ph. Eur. 2.2.29", "HPLC")) == []
    problems = method_problems(MethodDefinition("sop 1", "", "", "NMR"))
    assert [p.split(" ")[0] for p in problems] == ["code", "title:", "reference:", "technique"]
    assert default_display(numeric()) == "≤ 0.50 %"
    ranged = numeric(criterion=Criterion(CriterionKind.RANGE, low="95.0", high="105.0"))
    assert default_display(ranged) == "95.0 – 105.0 %"
