"""Calculation formulas of a specification: arithmetic over named raw values, e.g. an assay
from peak areas, weights and the reference standard's purity:

    (area_sample / area_standard) * (weight_standard / weight_sample) * purity

A formula is parsed once into a syntax tree (Python's `ast`, which only parses) and checked
against a short list of allowed forms: numbers, names, + - * / ** with parentheses, and the
functions below. It is evaluated by walking that tree in Decimal arithmetic: no `eval`, no
attribute access, no calls but the listed functions, so a formula typed by a person cannot do
anything but arithmetic. Pure: no I/O."""

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation, localcontext

from kernel.errors import InvalidArgument

MAX_LENGTH = 500
MAX_DEPTH = 40
PRECISION = 28  # significant digits of intermediate results; rounding to the reportable
# decimals happens afterwards (domain.round_half_away)


def _mean(*values: Decimal) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _sqrt(value: Decimal) -> Decimal:
    return value.sqrt()


FUNCTIONS: dict[str, Callable[..., Decimal]] = {
    "mean": _mean,
    "sum": lambda *values: sum(values, Decimal(0)),
    "min": min,
    "max": max,
    "abs": abs,
    "sqrt": _sqrt,
    "log10": lambda value: value.log10(),
    "ln": lambda value: value.ln(),
}
_OPERATORS: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


@dataclass(frozen=True)
class Formula:
    """A checked formula and the names of the raw values it needs, in order of appearance."""

    text: str
    tree: ast.Expression
    names: tuple[str, ...]

    def evaluate(self, values: Mapping[str, Decimal]) -> Decimal:
        """The formula's value for `values` (every name it uses must be given)."""
        missing = [name for name in self.names if name not in values]
        if missing:
            raise InvalidArgument(f"formula: no value for {', '.join(missing)}")
        with localcontext() as context:
            context.prec = PRECISION
            try:
                result = _evaluate(self.tree.body, values)
            except (DivisionByZero, ZeroDivisionError):
                raise InvalidArgument("formula: division by zero with these values") from None
            except InvalidOperation:
                raise InvalidArgument(
                    "formula: not defined for these values (e.g. the root of a negative number)"
                ) from None
        if not result.is_finite():
            raise InvalidArgument("formula: the result is not a finite number")
        return result


def parse(text: str) -> Formula:
    """Checks a formula; InvalidArgument says what is not allowed, and where."""
    text = text.strip()
    if not text:
        raise InvalidArgument("formula: required")
    if len(text) > MAX_LENGTH:
        raise InvalidArgument(f"formula: at most {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise InvalidArgument(
            f"formula: not a valid expression (at column {error.offset})"
        ) from None
    names: dict[str, None] = {}
    _check(tree.body, names, depth=0)
    return Formula(text=text, tree=tree, names=tuple(names))


def _check(node: ast.expr, names: dict[str, None], *, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidArgument("formula: nested too deeply")
    match node:
        case ast.Constant(value=value) if isinstance(value, int | float) and not isinstance(
            value, bool
        ):
            return
        case ast.Name(id=name):
            if name in FUNCTIONS:
                raise InvalidArgument(f"formula: {name} is a function; write {name}(...)")
            names[name] = None
        case ast.BinOp(left=left, op=op, right=right) if type(op) in _OPERATORS:
            _check(left, names, depth=depth + 1)
            _check(right, names, depth=depth + 1)
        case ast.UnaryOp(op=ast.USub() | ast.UAdd(), operand=operand):
            _check(operand, names, depth=depth + 1)
        case ast.Call(func=ast.Name(id=function), args=args, keywords=[]) if function in FUNCTIONS:
            if not args:
                raise InvalidArgument(f"formula: {function}() needs at least one value")
            for argument in args:
                _check(argument, names, depth=depth + 1)
        case ast.Call(func=ast.Name(id=function)):
            allowed = ", ".join(sorted(FUNCTIONS))
            raise InvalidArgument(f"formula: unknown function {function!r} (allowed: {allowed})")
        case _:
            raise InvalidArgument(
                f"formula: {ast.unparse(node)!r} is not allowed "
                "(numbers, names, + - * / **, parentheses and the listed functions only)"
            )


def _evaluate(node: ast.expr, values: Mapping[str, Decimal]) -> Decimal:
    match node:
        case ast.Constant(value=value):
            return Decimal(str(value))  # the literal as written: 0.1 stays exactly 0.1
        case ast.Name(id=name):
            return values[name]
        case ast.BinOp(left=left, op=op, right=right):
            return _OPERATORS[type(op)](_evaluate(left, values), _evaluate(right, values))
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -_evaluate(operand, values)
        case ast.UnaryOp(operand=operand):
            return _evaluate(operand, values)
        case ast.Call(func=ast.Name(id=function), args=args):
            return FUNCTIONS[function](*(_evaluate(argument, values) for argument in args))
    raise AssertionError(f"unchecked node {ast.dump(node)}")  # parse() admits no other node


def named_values(names: Sequence[str], raw: Mapping[str, str]) -> dict[str, Decimal]:
    """The raw values a person typed, by name, as decimals; each bad one named."""
    values: dict[str, Decimal] = {}
    for name in names:
        text = raw.get(name, "").strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidArgument(f"{name}: {text!r} is not a number") from None
        if not number.is_finite():
            raise InvalidArgument(f"{name}: must be a finite number")
        values[name] = number
    return values
