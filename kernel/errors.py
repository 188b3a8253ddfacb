"""Domain errors. Each carries the gRPC status it maps to; the gRPC bootstrap does the mapping."""

import grpc


class DomainError(Exception):
    """A refusal a person can act on. Subclasses fix the status code."""

    code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    """Bad input: the message says which field and why."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    """The record asked for does not exist."""

    code = grpc.StatusCode.NOT_FOUND


class FailedPrecondition(DomainError):
    """The record is not in a state that allows the action."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class PermissionDenied(DomainError):
    """The actor may not do this (e.g. separation of duties)."""

    code = grpc.StatusCode.PERMISSION_DENIED


class AlreadyExists(DomainError):
    """A record with that key exists and differs from what was asked."""

    code = grpc.StatusCode.ALREADY_EXISTS
