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
YES = "Oui / Yes"
NO = "Non / No"
OUTCOMES = {
    "invalidated": "Résultat invalidé (cause assignable) / Result invalidated (assignable cause)",
    "confirmed": "Hors spécification confirmé / OOS confirmed",
    "": "En cours / Open",
}
INVESTIGATION_MEANINGS = {
    "authored": "rédigé / authored",
    "reviewed": "revu / reviewed",
    "approved": "approuvé / approved",
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


def _yes_no(flag: bool) -> str:
    return YES if flag else NO


def _joined(*parts: str, sep: str = " · ") -> str:
    return sep.join(part.strip() for part in parts if part.strip()) or BLANK


def _test_row(test: reporting_pb2.CertificateTest) -> dict[str, Any]:
    """One line of the results table. Individual values are printed where the test has
    replicates (a formula's individual results, not its raw inputs); a result below the LOQ
    is printed as such, with the LOQ."""
    individual = list(test.replicate_values) or (
        list(test.values) if test.replicates > 1 or len(test.values) > 1 else []
    )
    result = f"{test.result} {test.unit}".strip()
    if test.below_loq:
        result = test.result
        if test.loq:
            result += f" (LOQ = {test.loq} {test.unit})".replace(" )", ")")
    method = test.method.strip()
    if test.technique.strip():
        method = f"{method} ({test.technique.strip()})" if method else test.technique.strip()
    return {
        "name": test.name,
        "method": method or BLANK,
        "limits": _or_blank(test.limits),
        "values": individual,
        "result": result or BLANK,
        "verdict": _verdict(test.conformity),
        "conforms": test.conformity != common_pb2.CONFORMITY_DOES_NOT_CONFORM,
    }


def _oos_history(content: reporting_pb2.CertificateContent, tz: str) -> dict[str, Any]:
    """The investigations and the invalidated results, as the OOS history section prints them."""
    return {
        "investigations": [
            {
                "id": record.investigation_id,
                "test": f"{record.test_name} (n° {record.attempt})",
                "original_result": _or_blank(record.original_result),
                "outcome": OUTCOMES.get(record.outcome, OUTCOMES[""]),
                "conclusion": _or_blank(record.conclusion),
                "signers": [
                    f"{signer.name}, {INVESTIGATION_MEANINGS.get(signer.meaning, signer.meaning)}, "
                    f"{lab_time(signer.signed_at, tz)}"
                    for signer in record.signers
                ],
            }
            for record in content.investigations
        ],
        "invalidated": [
            {
                "test": f"{result.test_name} (n° {result.attempt})",
                "values": "; ".join(result.values) or BLANK,
                "result": _or_blank(result.result),
                "reason": _or_blank(result.reason),
                "by": _joined(result.invalidated_by, lab_time(result.invalidated_at, tz), sep=", "),
            }
            for result in content.invalidated_results
        ],
    }


def certificate_context(
    certificate: reporting_pb2.Certificate, settings: Settings
) -> dict[str, Any]:
    """Everything the template prints, as plain text, dates in the lab's time zone.

    Keys: lang, dir, lab_name, lab_address, report_number, version, lab_number, issued_at,
    issued_by, content_hash, parties, sample, receipt, analysis, dates (lists of (label, value)
    rows), tests, oos (investigations, invalidated), conclusion, conclusion_text, signatures,
    verify_url, qr_data_uri."""
    content = certificate.content
    tz = settings.timezone
    conclusion = enum_to_str(common_pb2.Conformity, content.conclusion)
    url = verify_url(settings, certificate.report_number)
    product = content.product_name
    if content.product_code:
        product = f"{product} ({content.product_code})"
    specification = content.specification
    if content.specification_reference:
        specification = f"{content.specification_reference} ({content.specification_source})"
    temperature = content.temperature_on_arrival
    return {
        "lang": "fr",
        "dir": "ltr",
        # Certificates issued before the content carried the laboratory fall back to settings.
        "lab_name": content.laboratory_name or settings.lab_name,
        "lab_address": content.laboratory_address or settings.lab_address,
        "report_number": certificate.report_number,
        "version": certificate.version,
        "lab_number": content.lab_number,
        "issued_at": lab_time(certificate.issued_at, tz),
        "issued_by": certificate.issued_by.full_name or certificate.issued_by.username,
        "content_hash": certificate.content_hash,
        "parties": [
            ("Demandeur / Requester", _or_blank(content.requester_organisation)),
            (
                "Contact",
                _joined(content.contact_name, content.contact_email, content.contact_phone),
            ),
            ("Compte demandeur / Requester account", _or_blank(content.requester)),
            ("Référence externe / External reference", _or_blank(content.external_reference)),
            ("Fabricant / Manufacturer", _or_blank(content.manufacturer)),
            (
                "Titulaire de l'AMM / Marketing authorisation holder",
                _or_blank(content.marketing_authorisation_holder),
            ),
        ],
        # An amended version names the one it replaces and why (ISO/IEC 17025 §7.8.8).
        "replaces": certificate.replaces,
        "amendment_reason": certificate.amendment_reason,
        "sample": [
            ("Numéro de laboratoire / Lab number", content.lab_number),
            ("Produit / Product", product),
            ("DCI / INN", _or_blank(content.inns)),
            ("Forme pharmaceutique / Dosage form", _or_blank(content.dosage_form)),
            ("Dosage / Strength", _or_blank(content.strength)),
            ("Conditionnement / Pack", _or_blank(content.pack)),
            ("Lot / Batch", _or_blank(content.batch_number)),
            ("Date de fabrication / Manufacture date", _or_blank(content.manufacture_date)),
            ("Date de péremption / Expiry date", _or_blank(content.expiry_date)),
            (
                "Conditions de conservation / Storage conditions",
                _or_blank(content.storage_conditions),
            ),
        ],
        "receipt": [
            ("État à la réception / Condition on receipt", _or_blank(content.condition_on_receipt)),
            ("Quantité reçue / Quantity received", _or_blank(content.quantity_received)),
            ("Scellés intacts / Seals intact", _yes_no(content.seals_intact)),
            ("Étiquetage lisible / Labelling legible", _yes_no(content.labelling_legible)),
            (
                "Température à l'arrivée / Temperature on arrival",
                f"{temperature} °C" if temperature else BLANK,
            ),
        ],
        "analysis": [
            (
                "Objet de l'analyse / Purpose",
                PURPOSES.get(enum_to_str(common_pb2.Purpose, content.purpose), BLANK),
            ),
            ("Spécification / Specification", _or_blank(specification)),
            (
                "Identifiant et version / Id and version",
                _joined(
                    content.specification_id,
                    f"version {content.specification_version}"
                    if content.specification_version
                    else "",
                ),
            ),
        ],
        "dates": [
            ("Réception / Receipt", lab_time(content.received_at, tz)),
            ("Début des essais / Start of testing", lab_time(content.testing_started_at, tz)),
            ("Fin des essais / End of testing", lab_time(content.testing_ended_at, tz)),
            ("Émission / Issue", lab_time(certificate.issued_at, tz)),
        ],
        "tests": [_test_row(test) for test in content.tests],
        "oos": _oos_history(content, tz),
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
