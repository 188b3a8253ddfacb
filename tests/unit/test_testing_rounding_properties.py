"""Properties of rounding and conformity that must hold for every value, not just the examples."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.testing.domain import (
    Calculation,
    Conformity,
    Criterion,
    CriterionKind,
    SpecTest,
    evaluate,
    judge,
    round_half_away,
)

# Lab values: up to 12 integer digits and up to 8 decimals, either sign.
values = st.builds(
    lambda n, places: Decimal(n).scaleb(-places),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=0, max_value=8),
)
decimals = st.integers(min_value=0, max_value=6)


def reference_round(value: Decimal, places: int) -> Decimal:
    """Half away from zero by integer arithmetic on the magnitude: an independent oracle."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    magnitude = int("".join(map(str, digits)) or "0")
    # value = ±magnitude · 10^exponent; scale to units of 10^-places.
    shift = exponent + places
    if shift >= 0:
        units = magnitude * 10**shift
    else:
        quotient, remainder = divmod(magnitude, 10**-shift)
        units = quotient + (1 if 2 * remainder >= 10**-shift else 0)
    return Decimal((1 if sign and units else 0, tuple(map(int, str(units))), -places))


@given(values, decimals)
def test_rounding_matches_half_away_from_zero(value: Decimal, places: int) -> None:
    assert round_half_away(value, places) == reference_round(value, places)


@given(values, decimals)
def test_rounding_reports_exactly_the_tests_decimals(value: Decimal, places: int) -> None:
    assert round_half_away(value, places).as_tuple().exponent == -places


@given(values, decimals)
def test_rounding_moves_a_value_by_at_most_half_a_unit(value: Decimal, places: int) -> None:
    assert abs(round_half_away(value, places) - value) <= Decimal("0.5").scaleb(-places)


@given(values, decimals)
def test_rounding_is_idempotent(value: Decimal, places: int) -> None:
    once = round_half_away(value, places)
    assert round_half_away(once, places) == once


@given(values, decimals)
def test_rounding_is_symmetric_under_negation(value: Decimal, places: int) -> None:
    assert round_half_away(-value, places) == -round_half_away(value, places)


@given(values, values, decimals)
def test_rounding_preserves_order(a: Decimal, b: Decimal, places: int) -> None:
    low, high = min(a, b), max(a, b)
    assert round_half_away(low, places) <= round_half_away(high, places)


@given(st.integers(min_value=-(10**9), max_value=10**9), decimals)
def test_an_exact_half_goes_away_from_zero(units: int, places: int) -> None:
    half = (Decimal(units) + Decimal("0.5")).scaleb(-places)
    rounded = round_half_away(half, places)
    assert abs(rounded) > abs(half)


@given(values, values)
def test_a_value_at_a_limit_conforms(a: Decimal, b: Decimal) -> None:
    low, high = format(min(a, b), "f"), format(max(a, b), "f")
    for criterion in (
        Criterion(CriterionKind.RANGE, low=low, high=high),
        Criterion(CriterionKind.NOT_LESS_THAN, low=low),
        Criterion(CriterionKind.NOT_MORE_THAN, high=high),
    ):
        if criterion.kind is not CriterionKind.NOT_MORE_THAN:
            assert judge(Decimal(low), criterion) is Conformity.CONFORMS
        if criterion.kind is not CriterionKind.NOT_LESS_THAN:
            assert judge(Decimal(high), criterion) is Conformity.CONFORMS


@given(values, values, values)
def test_a_range_is_its_not_less_than_and_not_more_than_halves(
    value: Decimal, a: Decimal, b: Decimal
) -> None:
    low, high = format(min(a, b), "f"), format(max(a, b), "f")
    in_range = judge(value, Criterion(CriterionKind.RANGE, low=low, high=high))
    nlt = judge(value, Criterion(CriterionKind.NOT_LESS_THAN, low=low))
    nmt = judge(value, Criterion(CriterionKind.NOT_MORE_THAN, high=high))
    both = nlt is Conformity.CONFORMS and nmt is Conformity.CONFORMS
    assert (in_range is Conformity.CONFORMS) == both


@given(values, values, values, decimals)
def test_the_verdict_is_that_of_the_rounded_value(
    value: Decimal, a: Decimal, b: Decimal, places: int
) -> None:
    criterion = Criterion(
        CriterionKind.RANGE, low=format(min(a, b), "f"), high=format(max(a, b), "f")
    )
    single = SpecTest("X", "x", "", "", "%", 1, Calculation.SINGLE, places, criterion)
    result = evaluate(single, [format(value, "f")])
    rounded = round_half_away(value, places)
    assert result.reportable == format(rounded, "f")
    assert result.conformity is judge(rounded, criterion)
