"""The demo resources the tests assign with: the instrument the demo seeds for each technique
(services.testing.demo_resources), so an assignment passes gating."""

from typing import Any

from services.testing.demo import PRODUCTS
from services.testing.demo_resources import INSTRUMENTS

# Technique of each test code of each demo product, for callers that only know the code.
TECHNIQUES: dict[str, dict[str, str]] = {
    p.code: {t.code: t.technique for t in p.tests} for p in PRODUCTS
}


def demo_instrument(technique: str) -> str:
    """The demo instrument for a technique ('' for a technique that needs none, e.g. visual)."""
    return INSTRUMENTS.get(technique, "")


def instrument_for_code(code: str, product_code: str = "PARA-500-TAB") -> str:
    """The demo instrument for a test code of a demo product."""
    return demo_instrument(TECHNIQUES[product_code][code])


def assignment(analyst: str, test: dict[str, Any]) -> dict[str, Any]:
    """The body of POST /api/v1/tests/{id}/assignment for a test as the API shows it."""
    body: dict[str, Any] = {"analyst": analyst}
    instrument = demo_instrument(test["technique"])
    if instrument:
        body["instrument"] = instrument
    return body
