"""Channels to the services, made the same way by every caller (gateway, worker, tests)."""

import grpc

# round_robin spreads calls over every address a name resolves to (dns:/// with a headless
# Service in production); with one address it behaves like the default.
_OPTIONS = [("grpc.lb_policy_name", "round_robin")]


def open_channel(address: str) -> grpc.aio.Channel:
    """An insecure grpc.aio channel to host:port (or dns:///name:port)."""
    return grpc.aio.insecure_channel(address, options=_OPTIONS)
