"""What every IntakeService handler reads from the wire the same way: the actor and enums."""

from typing import Any

from kernel.audit import Who
from kernel.errors import InvalidArgument
from kernel.proto_enums import enum_to_str
from lims.common.v1 import common_pb2


def enum_text(enum: Any, number: int, field: str) -> str:
    """The lowercase name of an enum value ('' when unspecified); INVALID_ARGUMENT if unknown."""
    try:
        return enum_to_str(enum, number)
    except ValueError:
        raise InvalidArgument(f"{field}: unknown value {number}") from None


def who(actor: common_pb2.Actor) -> Who:
    """The actor as the audit trail records it."""
    return Who(actor.username.strip(), actor.full_name.strip(), actor.role.strip())
