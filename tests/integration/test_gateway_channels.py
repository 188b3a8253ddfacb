"""The gateway's stubs of the services: a service that does not answer is a deadline, never a
hang."""

import asyncio
import time
from collections.abc import Awaitable

import grpc
import pytest

from kernel.grpc_server import start_server
from lims.intake.v1 import intake_pb2, intake_pb2_grpc
from services.gateway.clients import with_deadline

INTAKE = intake_pb2.DESCRIPTOR.services_by_name["IntakeService"].full_name


async def never_answers(
    request: intake_pb2.GetSampleRequest, context: grpc.aio.ServicerContext
) -> intake_pb2.Sample:
    await asyncio.sleep(30)
    return intake_pb2.Sample()


def register_silent_intake(server: grpc.aio.Server) -> None:
    """An intake whose GetSample takes every call and never answers."""
    method = grpc.unary_unary_rpc_method_handler(
        never_answers,
        request_deserializer=intake_pb2.GetSampleRequest.FromString,
        response_serializer=intake_pb2.Sample.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(INTAKE, {"GetSample": method}),)
    )


async def seconds_until_deadline(call: Awaitable[intake_pb2.Sample]) -> float:
    started = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    return time.monotonic() - started


async def test_a_call_the_service_never_answers_ends_at_the_default_deadline() -> None:
    server, _, port = await start_server(
        address="127.0.0.1:0", register=register_silent_intake, service_names=[]
    )
    request = intake_pb2.GetSampleRequest(lab_number="LNCM-2026-00001")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            intake = with_deadline(intake_pb2_grpc.IntakeServiceStub(channel), seconds=0.5)
            assert 0.4 < await seconds_until_deadline(intake.GetSample(request)) < 3
            # A call that brings its own timeout keeps it.
            assert 1.4 < await seconds_until_deadline(intake.GetSample(request, timeout=1.5)) < 4
    finally:
        await server.stop(grace=None)
