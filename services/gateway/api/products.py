"""The catalogue: products and their specifications."""

from fastapi import APIRouter

from lims.testing.v1 import testing_pb2
from services.gateway import convert
from services.gateway.deps import Clients, CurrentUser
from services.gateway.problems import responses
from services.gateway.schemas import ProductOut

router = APIRouter(tags=["catalogue"])


@router.get("/products", responses=responses(401, 502, 503))
async def list_products(clients: Clients, _user: CurrentUser) -> list[ProductOut]:
    """Every product of the catalogue with the specification in force, by name."""
    answer = await clients.testing.ListProducts(testing_pb2.ListProductsRequest())
    return [convert.product(product) for product in answer.products]
