"""Rules of the testing domain on monograph examples: rounding, calculations, conformity, validation,
test states and the soundness of the demo catalogue."""

from decimal import Decimal

import pytest

from kernel.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from kernel.lifecycle import TestStatus
from services.testing import demo
from services.testing.domain import (
    Calculation,
    Conformity,
    Criterion,
    CriterionKind,
    ReviewOutcome,
    SpecTest,
    acceptance_value,
    calculate,
    check_assignable,
    check_reviewable,
    check_submittable,
    evaluate,
    judge,
    judge_text,
    planned_test_id,
    product_problems,
    record_text,
    review_transition,
    round_half_away,
    spec_test_problems,
)

CONFORMS, FAILS = Conformity.CONFORMS, Conformity.DOES_NOT_CONFORM


def spec(**fields: object) -> SpecTest:
    """The paracetamol assay (2 replicates, mean, 1 decimal, 95.0–105.0 %); keywords override."""
    values: dict[str, object] = {
        "code": "ASSAY",
        "name": "Assay (HPLC)",
        "method": "Ph. Eur. 2.2.29",
        "technique": "HPLC",
        "unit": "%",
        "replicates": 2,
        "calculation": Calculation.MEAN,
        "decimals": 1,
        "criterion": Criterion(CriterionKind.RANGE, low="95.0", high="105.0"),
    }
    values.update(fields)
    return SpecTest(**values)  # type: ignore[arg-type]


def nums(text: str) -> list[Decimal]:
    return [Decimal(x) for x in text.split()]


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("94.94", 1, "94.9"),
        ("94.95", 1, "95.0"),
        ("94.9499999", 1, "94.9"),
        ("99.85", 1, "99.9"),
        ("105.05", 1, "105.1"),
        ("0.104", 2, "0.10"),
        ("0.105", 2, "0.11"),
        ("84.5", 0, "85"),
        ("84.49", 0, "84"),
        ("2.5", 0, "3"),  # banker's rounding would give 2
        ("-2.5", 0, "-3"),
        ("-0.05", 1, "-0.1"),
        ("-0.04", 1, "0.0"),  # never "-0.0"
        ("100", 1, "100.0"),
    ],
)
def test_rounding_is_half_away_from_zero_to_the_tests_decimals(
    value: str, decimals: int, expected: str
) -> None:
    assert format(round_half_away(Decimal(value), decimals), "f") == expected


@pytest.mark.parametrize(
    ("values", "reportable", "verdict"),
    [
        (["94.94", "94.94"], "94.9", FAILS),
        (["94.95", "94.95"], "95.0", CONFORMS),
        (["94.9", "95.0"], "95.0", CONFORMS),  # mean 94.95 rounds up into the range
        (["99.6", "100.1"], "99.9", CONFORMS),
        (["105.04", "105.04"], "105.0", CONFORMS),
        (["105.05", "105.05"], "105.1", FAILS),
    ],
)
def test_assay_is_judged_on_the_rounded_mean(
    values: list[str], reportable: str, verdict: Conformity
) -> None:
    result = evaluate(spec(), values)
    assert (result.reportable, result.conformity) == (reportable, verdict)


def test_assay_keeps_the_unrounded_mean_for_the_record() -> None:
    assert evaluate(spec(), ["94.9", "95.0"]).unrounded == "94.95"


def test_dissolution_stage_s1_is_judged_on_the_weakest_unit() -> None:
    dissolution = spec(
        code="DISSOLUTION",
        replicates=6,
        calculation=Calculation.MINIMUM,
        decimals=0,
        criterion=Criterion(CriterionKind.NOT_LESS_THAN, low="85"),
    )
    passing = evaluate(dissolution, ["92", "88.4", "95", "84.5", "91", "93"])
    failing = evaluate(dissolution, ["92", "88.4", "95", "84.4", "91", "93"])
    assert (passing.reportable, passing.conformity) == ("85", CONFORMS)
    assert (failing.reportable, failing.conformity) == ("84", FAILS)


def test_impurity_limit_is_judged_after_rounding_to_the_limits_decimals() -> None:
    related = spec(
        code="RELATED",
        replicates=1,
        calculation=Calculation.SINGLE,
        decimals=2,
        criterion=Criterion(CriterionKind.NOT_MORE_THAN, high="0.10"),
    )
    assert evaluate(related, ["0.104"]).conformity is CONFORMS
    assert evaluate(related, ["0.105"]).conformity is FAILS


def test_maximum_reports_the_largest_replicate() -> None:
    assert calculate(Calculation.MAXIMUM, nums("0.04 0.07 0.05")) == Decimal("0.07")


def test_single_reports_the_value_as_entered() -> None:
    assert calculate(Calculation.SINGLE, nums("0.061")) == Decimal("0.061")


def test_acceptance_value_with_mean_inside_the_window_is_k_times_s() -> None:
    contents = nums("98.0 99.0 100.0 101.0 102.0 98.0 99.0 100.0 101.0 102.0")
    # X̄ = 100.0 = M, s = sqrt(20 / 9), AV = 2.4 s = 3.5777...
    assert round_half_away(acceptance_value(contents), 1) == Decimal("3.6")


def test_acceptance_value_with_a_low_mean_adds_the_distance_to_98_5() -> None:
    contents = nums("96 97 98 96 97 98 96 97 98 97")
    # X̄ = 97.0 < 98.5 so M = 98.5; s = sqrt(6 / 9); AV = 1.5 + 2.4 s = 3.4596
    assert round_half_away(acceptance_value(contents), 1) == Decimal("3.5")


def test_acceptance_value_with_a_high_mean_adds_the_distance_to_101_5() -> None:
    assert acceptance_value(nums("102.0 " * 10)) == Decimal("0.5")
    assert acceptance_value(nums("103 104 102 103 104 102 103 104 102 103")) == acceptance_value(
        nums("96 97 98 96 97 98 96 97 98 97")
    )


def test_acceptance_value_of_30_units_uses_k_2_0() -> None:
    contents = nums("99 101 " * 15)  # X̄ = 100, s = sqrt(30 / 29)
    expected = Decimal(2) * (Decimal(30) / Decimal(29)).sqrt()
    assert abs(acceptance_value(contents) - expected) < Decimal("1e-20")


def test_acceptance_value_needs_10_or_30_units() -> None:
    with pytest.raises(ValueError, match="10 or 30"):
        acceptance_value(nums("100 " * 9))


def test_uniformity_reports_the_rounded_acceptance_value_against_l1() -> None:
    uniformity = spec(
        code="UNIFORMITY",
        unit="",
        replicates=10,
        calculation=Calculation.ACCEPTANCE_VALUE,
        criterion=Criterion(CriterionKind.NOT_MORE_THAN, high="15.0"),
    )
    result = evaluate(uniformity, "98.0 99.0 100.0 101.0 102.0 98.0 99.0 100.0 101.0 102.0".split())
    assert (result.reportable, result.conformity) == ("3.6", CONFORMS)
    assert result.unrounded == "3.577708764000"
    spread = evaluate(uniformity, "80 120 85 115 90 110 95 105 100 100".split())
    assert spread.conformity is FAILS


def test_record_text_keeps_terminating_values_exact_and_cuts_the_others_at_12_decimals() -> None:
    assert record_text(Decimal("99.80")) == "99.80"
    assert record_text(Decimal(1) / Decimal(3)) == "0.333333333333"


@pytest.mark.parametrize(
    ("criterion", "value", "verdict"),
    [
        (Criterion(CriterionKind.RANGE, low="95.0", high="105.0"), "95.0", CONFORMS),
        (Criterion(CriterionKind.RANGE, low="95.0", high="105.0"), "105.0", CONFORMS),
        (Criterion(CriterionKind.RANGE, low="95.0", high="105.0"), "94.9", FAILS),
        (Criterion(CriterionKind.RANGE, low="95.0", high="105.0"), "105.1", FAILS),
        (Criterion(CriterionKind.NOT_LESS_THAN, low="85"), "85", CONFORMS),
        (Criterion(CriterionKind.NOT_LESS_THAN, low="85"), "84", FAILS),
        (Criterion(CriterionKind.NOT_MORE_THAN, high="0.10"), "0.10", CONFORMS),
        (Criterion(CriterionKind.NOT_MORE_THAN, high="0.10"), "0.11", FAILS),
    ],
)
def test_limits_are_inclusive(criterion: Criterion, value: str, verdict: Conformity) -> None:
    assert judge(Decimal(value), criterion) is verdict


def test_text_criterion_ignores_case_and_surrounding_spaces() -> None:
    appearance = Criterion(CriterionKind.TEXT, expected_text="conforms")
    assert judge_text("  Conforms ", appearance) is CONFORMS
    assert judge_text("does not conform", appearance) is FAILS


def test_text_observation_is_reported_as_entered_without_arithmetic() -> None:
    appearance = spec(
        code="APPEARANCE",
        unit="",
        replicates=1,
        calculation=Calculation.TEXT,
        decimals=0,
        criterion=Criterion(CriterionKind.TEXT, expected_text="conforms"),
    )
    result = evaluate(appearance, [" CONFORMS "])
    assert (result.reportable, result.unrounded, result.conformity) == ("CONFORMS", "", CONFORMS)
    with pytest.raises(InvalidArgument, match=r"values\[0\]: an observation is required"):
        evaluate(appearance, ["  "])


def test_wrong_number_of_values_is_refused_with_both_counts() -> None:
    dissolution = spec(replicates=6, calculation=Calculation.MINIMUM)
    with pytest.raises(InvalidArgument, match="expected 6 values, got 5"):
        evaluate(dissolution, ["90"] * 5)
    with pytest.raises(InvalidArgument, match="expected 1 value, got 2"):
        evaluate(spec(replicates=1, calculation=Calculation.SINGLE), ["1", "2"])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["99.1", "100.2", "9x.1", "98"], r"values\[2\]: '9x.1' is not a number$"),
        (["99.1", "", "99", "98"], r"values\[1\]: a number is required"),
        (["99.1", "99", "99", "98,7"], r"values\[3\]: '98,7' is not a number \(use a point"),
        (["NaN", "99", "99", "98"], r"values\[0\]: 'NaN' is not a number"),
        (["1e3", "99", "99", "98"], r"values\[0\]: '1e3' is not a number"),
    ],
)
def test_non_numeric_value_is_refused_naming_its_position(values: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        evaluate(spec(replicates=4), values)


def test_sound_specification_test_has_no_problem() -> None:
    assert spec_test_problems(spec()) == []


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"code": "assay"}, "code must be"),
        ({"replicates": 2, "calculation": Calculation.SINGLE}, "exactly 1 replicate"),
        ({"replicates": 6, "calculation": Calculation.ACCEPTANCE_VALUE}, "10 or 30 units"),
        ({"criterion": Criterion(CriterionKind.RANGE, low="105", high="95")}, "above high"),
        ({"criterion": Criterion(CriterionKind.NOT_LESS_THAN, low="")}, "low '' is not a number"),
        ({"criterion": Criterion(CriterionKind.TEXT, expected_text="x")}, "text criterion goes"),
        ({"decimals": 7}, "decimals must be"),
    ],
)
def test_unsound_specification_test_is_reported(fields: dict[str, object], problem: str) -> None:
    assert any(problem in p for p in spec_test_problems(spec(**fields)))


def test_planned_test_ids_carry_a_two_digit_sequence() -> None:
    assert planned_test_id("LNCM-2026-00001", 3) == "LNCM-2026-00001-03"


@pytest.mark.parametrize("status", [TestStatus.PENDING, TestStatus.ASSIGNED])
def test_test_can_be_assigned_while_pending_or_assigned(status: TestStatus) -> None:
    check_assignable("T-01", status)


@pytest.mark.parametrize(
    "status", [TestStatus.SUBMITTED, TestStatus.ACCEPTED, TestStatus.INVALIDATED]
)
def test_test_cannot_be_assigned_once_a_result_is_in(status: TestStatus) -> None:
    with pytest.raises(FailedPrecondition, match=f"test T-01 is {status}"):
        check_assignable("T-01", status)


def test_only_the_assigned_analyst_submits() -> None:
    check_submittable("T-01", TestStatus.ASSIGNED, "analyst", "analyst")
    with pytest.raises(
        PermissionDenied, match="test T-01 is assigned to 'analyst', not 'analyst2'"
    ):
        check_submittable("T-01", TestStatus.ASSIGNED, "analyst", "analyst2")
    with pytest.raises(FailedPrecondition, match="is pending"):
        check_submittable("T-01", TestStatus.PENDING, "", "analyst")


def test_analyst_cannot_review_own_result() -> None:
    check_reviewable("T-01", TestStatus.SUBMITTED, "analyst", "reviewer")
    with pytest.raises(PermissionDenied, match="cannot review"):
        check_reviewable("T-01", TestStatus.SUBMITTED, "analyst", "analyst")
    with pytest.raises(FailedPrecondition, match="is assigned"):
        check_reviewable("T-01", TestStatus.ASSIGNED, "analyst", "reviewer")


def test_review_accepts_or_sends_back_to_the_analyst() -> None:
    assert review_transition(True) == (TestStatus.ACCEPTED, ReviewOutcome.ACCEPTED)
    assert review_transition(False) == (TestStatus.ASSIGNED, ReviewOutcome.SENT_BACK)


def test_demo_catalogue_is_sound_and_its_codes_are_stable() -> None:
    assert [p.code for p in demo.PRODUCTS] == [
        "PARA-500-TAB",
        "AMOX-500-CAP",
        "METF-850-TAB",
        "IBU-400-TAB",
        "AL-20-120-TAB",
        "CHLQ-250-TAB",
    ]
    for product in demo.PRODUCTS:
        assert product_problems(product) == [], product.code
        assert 4 <= len(product.tests) <= 6, product.code


def test_demo_paracetamol_follows_its_monograph() -> None:
    tests = {t.code: t for t in demo.PARACETAMOL.tests}
    assert [(t.code, t.replicates) for t in demo.PARACETAMOL.tests] == [
        ("APPEARANCE", 1),
        ("IDENTIFICATION", 1),
        ("ASSAY", 2),
        ("DISSOLUTION", 6),
        ("UNIFORMITY", 10),
        ("RELATED", 1),
    ]
    assert (tests["ASSAY"].criterion.low, tests["ASSAY"].criterion.high) == ("95.0", "105.0")
    assert tests["DISSOLUTION"].criterion.low == "85"
    assert tests["UNIFORMITY"].criterion.high == "15.0"
    assert tests["RELATED"].criterion.high == "0.10"
