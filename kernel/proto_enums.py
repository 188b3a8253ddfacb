"""Proto enums <-> the lowercase names used in the domain, the database and the REST API.

`SampleStatus.SAMPLE_STATUS_IN_TESTING` <-> "in_testing": the proto prefix is the enum's
name in UPPER_SNAKE, so one rule covers every enum.
"""

import re
from typing import Any, Protocol


class _EnumWrapper(Protocol):
    DESCRIPTOR: Any

    def Name(self, number: int) -> str: ...

    def Value(self, name: str) -> int: ...


def _prefix(enum: _EnumWrapper) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.DESCRIPTOR.name).upper() + "_"


def enum_to_str(enum: _EnumWrapper, number: int) -> str:
    """'in_testing' for SAMPLE_STATUS_IN_TESTING; '' for the UNSPECIFIED value."""
    name = enum.Name(number).removeprefix(_prefix(enum)).lower()
    return "" if name == "unspecified" else name


def str_to_enum(enum: _EnumWrapper, text: str) -> int:
    """SAMPLE_STATUS_IN_TESTING for 'in_testing'; 0 for ''. Raises ValueError if unknown."""
    if not text:
        return 0
    try:
        return enum.Value(_prefix(enum) + text.upper())
    except ValueError:
        raise ValueError(f"unknown {enum.DESCRIPTOR.name} {text!r}") from None


def enum_choices(enum: _EnumWrapper) -> list[str]:
    """Every value's lowercase name except UNSPECIFIED, in declaration order."""
    return [enum_to_str(enum, v.number) for v in enum.DESCRIPTOR.values if v.number != 0]
