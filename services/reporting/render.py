"""Certificate rendering: proto -> template context -> HTML (Jinja2) -> PDF (WeasyPrint).

The layout lives in templates/ (HTML and CSS), so the lab changes it without code. Rendering
blocks for about half a second: callers run render_pdf in a thread."""

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from kernel.proto_enums import enum_to_str
from kernel.settings import Settings
from kernel.timefmt import from_rfc3339
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "certificate.html"
BLANK = "—"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

PURPOSES = {
    "registration": "Enregistrement / Registration",
    "batch_release": "Libération de lot / Batch release",
    "market_surveillance": "Surveillance du marché / Market surveillance",
    "complaint": "Réclamation / Complaint",
    "suspected_falsified": "Produit suspect ou falsifié / Suspected substandard or falsified",
}
VERDICTS = {
    "conforms": "Conforme / Complies",
    "does_not_conform": "Non conforme / Does not comply",
}
CONCLUSIONS = {
    "conforms": (
        "L'échantillon est CONFORME à la spécification.",
        "The sample CONFORMS to the specification.",
    ),
    "does_not_conform": (
        "L'échantillon n'est PAS CONFORME à la spécification.",
        "The sample does NOT conform to the specification.",
    ),
}
MEANINGS = {
    "authored": "Analysé par / Analysed by",
    "reviewed": "Revu par / Reviewed by",
    "approved": "Approuvé par / Approved by",
    "witnessed": "Témoin / Witnessed by",
}


def lab_time(rfc3339: str, timezone: str) -> str:
    """A moment as the lab reads it: local date and time with the UTC offset; '—' if unset."""
    moment = from_rfc3339(rfc3339) if rfc3339 else None
    if moment is None:
        return BLANK
    local = moment.astimezone(ZoneInfo(timezone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def verify_url(settings: Settings, report_number: str) -> str:
    """The public page that confirms a certificate is authentic (encoded in its QR code)."""
    return f"{settings.public_base_url.rstrip('/')}/verify/{report_number}"


def _or_blank(text: str) -> str:
    return text.strip() or BLANK


def _verdict(number: int) -> str:
    return VERDICTS.get(enum_to_str(common_pb2.Conformity, number), BLANK)


def certificate_context(
    certificate: reporting_pb2.Certificate, settings: Settings
) -> dict[str, Any]:
    """Everything the template prints, as plain text, dates in the lab's time zone."""
    content = certificate.content
    tz = settings.timezone
    conclusion = enum_to_str(common_pb2.Conformity, content.conclusion)
    url = verify_url(settings, certificate.report_number)
    product = content.product_name
    if content.product_code:
        product = f"{product} ({content.product_code})"
    return {
        "lang": "fr",
        "dir": "ltr",
        "lab_name": settings.lab_name,
        "lab_address": settings.lab_address,
        "report_number": certificate.report_number,
        "version": certificate.version,
        "issued_at": lab_time(certificate.issued_at, tz),
        "issued_by": certificate.issued_by.full_name or certificate.issued_by.username,
        "content_hash": certificate.content_hash,
        # An amended version names the one it replaces and why (ISO/IEC 17025 §7.8.8).
        "replaces": certificate.replaces,
        "amendment_reason": certificate.amendment_reason,
        "sample": [
            ("Numéro de laboratoire / Lab number", content.lab_number),
            ("Produit / Product", product),
            ("Lot / Batch", _or_blank(content.batch_number)),
            ("Fabricant / Manufacturer", _or_blank(content.manufacturer)),
            ("Date de fabrication / Manufacture date", _or_blank(content.manufacture_date)),
            ("Date de péremption / Expiry date", _or_blank(content.expiry_date)),
            ("Demandeur / Requester", _or_blank(content.requester)),
            ("Organisme / Organisation", _or_blank(content.requester_organisation)),
            ("Référence externe / External reference", _or_blank(content.external_reference)),
            (
                "Objet de l'analyse / Purpose",
                PURPOSES.get(enum_to_str(common_pb2.Purpose, content.purpose), BLANK),
            ),
            ("État à la réception / Condition on receipt", _or_blank(content.condition_on_receipt)),
            ("Date de réception / Date received", lab_time(content.received_at, tz)),
            ("Spécification / Specification", _or_blank(content.specification)),
        ],
        "tests": [
            {
                "name": test.name,
                "method": _or_blank(test.method),
                "limits": _or_blank(test.limits),
                "values": list(test.values),
                "result": f"{test.result} {test.unit}".strip() or BLANK,
                "verdict": _verdict(test.conformity),
                "conforms": test.conformity != common_pb2.CONFORMITY_DOES_NOT_CONFORM,
            }
            for test in content.tests
        ],
        "conclusion": conclusion,
        "conclusion_text": CONCLUSIONS.get(conclusion, (BLANK, BLANK)),
        "signatures": [
            {
                "full_name": signature.full_name or signature.username,
                "meaning": MEANINGS.get(
                    enum_to_str(common_pb2.SignatureMeaning, signature.meaning), BLANK
                ),
                "signed_at": lab_time(signature.signed_at, tz),
            }
            for signature in content.signatures
        ],
        "verify_url": url,
        "qr_data_uri": segno.make(url, error="m").svg_data_uri(scale=4, border=0),
    }


def render_html(context: dict[str, Any]) -> str:
    """The certificate's HTML from its context."""
    return _environment.get_template(TEMPLATE).render(context)


def html_to_pdf(html: str) -> bytes:
    """The PDF of certificate HTML (blocking; the template folder resolves the CSS)."""
    pdf: bytes = HTML(string=html, base_url=TEMPLATES.as_uri() + "/").write_pdf()
    return pdf


def render_pdf(certificate: reporting_pb2.Certificate, settings: Settings) -> bytes:
    """The certificate's PDF (blocking, about half a second: run it in a thread)."""
    return html_to_pdf(render_html(certificate_context(certificate, settings)))
