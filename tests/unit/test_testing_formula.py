"""Formulas of a specification: arithmetic over named raw values in Decimal, and nothing else."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import InvalidArgument
from services.testing.formula import named_values, parse

ASSAY = "(area_sample / area_standard) * (weight_standard / weight_sample) * purity"


def test_an_assay_from_peak_areas_weights_and_purity() -> None:
    formula = parse(ASSAY)
    assert formula.names == (
        "area_sample",
        "area_standard",
        "weight_standard",
        "weight_sample",
        "purity",
    )
    values = named_values(
        formula.names,
        {
            "area_sample": "15234.7",
            "area_standard": "15102.3",
            "weight_standard": "50.12",
            "weight_sample": "50.31",
            "purity": "99.8",
        },
    )
    result = formula.evaluate(values)
    assert round(result, 4) == Decimal("100.2947")


def test_literals_keep_their_decimal_value_and_functions_work() -> None:
    assert parse("0.1 + 0.2").evaluate({}) == Decimal("0.3")  # not 0.30000000000000004
    assert parse("mean(a, b, c)").evaluate(
        {"a": Decimal(1), "b": Decimal(2), "c": Decimal(6)}
    ) == Decimal(3)
    assert parse("-x ** 2 + abs(y) + sqrt(16)").evaluate(
        {"x": Decimal(3), "y": Decimal(-2)}
    ) == Decimal(-3)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("__import__('os').system('id')", "not allowed"),
        ("__import__('os')", "unknown function"),
        ("x.real", "not allowed"),
        ("[1, 2]", "not allowed"),
        ("a if b else c", "not allowed"),
        ("a < b", "not allowed"),
        ("lambda: 1", "not allowed"),
        ("'text'", "not allowed"),
        ("mean", "is a function"),
        ("mean()", "at least one"),
        ("max(a, key=b)", "unknown function"),
        ("(1 +", "not a valid expression"),
        ("", "required"),
        ("1" + "+1" * 300, "at most"),
    ],
)
def test_anything_but_arithmetic_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidArgument, match=reason):
        parse(text)


def test_values_that_break_the_formula_are_refused_not_crashed() -> None:
    with pytest.raises(InvalidArgument, match="division by zero"):
        parse("a / b").evaluate({"a": Decimal(1), "b": Decimal(0)})
    with pytest.raises(InvalidArgument, match="not defined"):
        parse("sqrt(a)").evaluate({"a": Decimal(-1)})
    with pytest.raises(InvalidArgument, match="no value for b"):
        parse("a + b").evaluate({"a": Decimal(1)})
    with pytest.raises(InvalidArgument, match="weight: 'abc' is not a number"):
        named_values(["weight"], {"weight": "abc"})


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**6), max_value=10**6
    ),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**6), max_value=10**6
    ),
)
def test_the_formula_agrees_with_decimal_arithmetic(a: Decimal, b: Decimal) -> None:
    assert parse("a * 2 - b + (a - b) * 0.5").evaluate({"a": a, "b": b}) == (
        a * 2 - b + (a - b) * Decimal("0.5")
    )
