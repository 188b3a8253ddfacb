"""Requests for analysis: registering samples and starting their lifecycles."""

import asyncio
import hashlib
import uuid
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Header

from kernel.proto_enums import str_to_enum
from lims.common.v1 import common_pb2
from lims.intake.v1 import intake_pb2
from lims.testing.v1 import testing_pb2
from services.gateway import convert, lifecycle
from services.gateway.clients import Connections
from services.gateway.deps import Acting, AsRequestLogger, Clients
from services.gateway.domain import Role
from services.gateway.problems import FieldError, Forbidden, Unprocessable, responses
from services.gateway.schemas import NewSampleIn, RequestIn, RequestOut, decimal_text

router = APIRouter(tags=["requests"])


def _owner(body: RequestIn, acting: Acting) -> str:
    """Whose request it is: a requester's own; reception or admin may name the requester."""
    if acting.role is Role.REQUESTER:
        if body.requester and body.requester != acting.username:
            raise Forbidden("a requester logs requests only for themselves")
        return acting.username
    return body.requester or acting.username


async def _product(clients: Connections, code: str) -> testing_pb2.Product | None:
    try:
        found: testing_pb2.Product = await clients.testing.GetProduct(
            testing_pb2.GetProductRequest(code=code)
        )
    except grpc.aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            return None
        raise
    return found


async def _products(clients: Connections, body: RequestIn) -> dict[str, testing_pb2.Product]:
    """Every product named by the samples; 422 naming each sample whose code is unknown."""
    codes = sorted({sample.product_code for sample in body.samples})
    found = dict(
        zip(codes, await asyncio.gather(*(_product(clients, c) for c in codes)), strict=True)
    )
    errors = [
        FieldError(
            field=f"samples[{index}].product_code",
            message=f"no product {sample.product_code!r} in the catalogue",
        )
        for index, sample in enumerate(body.samples)
        if found[sample.product_code] is None
    ]
    if errors:
        raise Unprocessable("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return {code: product for code, product in found.items() if product is not None}


def _details(sample: NewSampleIn, product: testing_pb2.Product) -> dict[str, Any]:
    """The sample's descriptive fields; INN, dosage form and strength left empty are the
    catalogue's (what the product chosen is registered as)."""
    return {
        "product_category": str_to_enum(intake_pb2.ProductCategory, sample.product_category),
        "inns": sample.inns or product.inn,
        "dosage_form": sample.dosage_form or product.dosage_form,
        "strength": sample.strength or product.strength,
        "pack": sample.pack,
        "marketing_authorisation_holder": sample.marketing_authorisation_holder,
        "storage_conditions": sample.storage_conditions,
    }


def _request_key(username: str, idempotency_key: str | None) -> str:
    """Intake's request key: scoped to the caller, so one user's key never returns another's."""
    if not idempotency_key:
        return uuid.uuid4().hex
    return "idem-" + hashlib.sha256(f"{username}\0{idempotency_key}".encode()).hexdigest()


@router.post("/requests", status_code=201, responses=responses(401, 403, 409, 422, 502, 503))
async def create_request(
    body: RequestIn,
    clients: Clients,
    acting: AsRequestLogger,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Repeat a request with the same key to get the same answer, never twice.",
        ),
    ] = None,
) -> RequestOut:
    """Registers a request with its samples (lab numbers allocated) and starts each lifecycle."""
    owner = _owner(body, acting)
    products = await _products(clients, body)
    key = _request_key(acting.username, idempotency_key)
    created = await clients.intake.CreateRequest(
        intake_pb2.CreateRequestRequest(
            request_key=key,
            actor=common_pb2.Actor(
                username=acting.username, full_name=acting.identity.full_name, role=acting.role
            ),
            purpose=str_to_enum(common_pb2.Purpose, body.purpose),
            priority=str_to_enum(common_pb2.Priority, body.priority),
            requester=owner,
            requester_organisation=body.requester_organisation,
            external_reference=body.external_reference,
            contact_name=body.contact_name,
            contact_email=body.contact_email,
            contact_phone=body.contact_phone,
            samples=[
                intake_pb2.NewSample(
                    product_code=sample.product_code,
                    product_name=products[sample.product_code].name,
                    batch_number=sample.batch_number,
                    manufacturer=sample.manufacturer,
                    manufacture_date=sample.manufacture_date.isoformat()
                    if sample.manufacture_date
                    else "",
                    expiry_date=sample.expiry_date.isoformat() if sample.expiry_date else "",
                    quantity=decimal_text(sample.quantity),
                    quantity_unit=sample.quantity_unit,
                    **_details(sample, products[sample.product_code]),
                )
                for sample in body.samples
            ],
        )
    )
    await lifecycle.start_all(clients, created, acting.actor)
    return convert.request(created)
