"""Proto enums <-> the lowercase names used in the domain, the database and the REST API.

`SampleStatus.SAMPLE_STATUS_IN_TESTING` <-> "in_testing": the proto prefix is the enum's
name in UPPER_SNAKE, so one rule covers every enum.
"""

import re
from typing import Any, Protocol, TypeVar

# The enum's value type (mypy-protobuf gives each enum its own), so str_to_enum is typed.
_V_co = TypeVar("_V_co", bound=int, covariant=True)


class _EnumWrapper(Protocol[_V_co]):
    DESCRIPTOR: Any

    def Name(self, number: Any) -> str: ...

    def Value(self, name: str) -> _V_co: ...


def _prefix(enum: _EnumWrapper[Any]) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.DESCRIPTOR.name).upper() + "_"


def enum_to_str(enum: _EnumWrapper[Any], number: int) -> str:
    """'in_testing' for SAMPLE_STATUS_IN_TESTING; '' for the UNSPECIFIED value."""
    name = enum.Name(number).removeprefix(_prefix(enum)).lower()
    return "" if name == "unspecified" else name


def str_to_enum(enum: _EnumWrapper[_V_co], text: str) -> _V_co:
    """SAMPLE_STATUS_IN_TESTING for 'in_testing'; 0 for ''. Raises ValueError if unknown."""
    if not text:
        return enum.Value(_prefix(enum) + "UNSPECIFIED")  # every enum's 0 (house style)
    try:
        return enum.Value(_prefix(enum) + text.upper())
    except ValueError:
        raise ValueError(f"unknown {enum.DESCRIPTOR.name} {text!r}") from None


def enum_choices(enum: _EnumWrapper[Any]) -> list[str]:
    """Every value's lowercase name except UNSPECIFIED, in declaration order."""
    return [enum_to_str(enum, v.number) for v in enum.DESCRIPTOR.values if v.number != 0]
