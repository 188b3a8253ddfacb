"""The certificate's template context and HTML (no PDF here: that is slow, see the integration test)."""

from html.parser import HTMLParser
from pathlib import Path

from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2
from services.reporting import render

SETTINGS = Settings(
    lab_name="Laboratoire de test",
    lab_address="1 rue des Essais, Rabat",
    timezone="Europe/Paris",
    public_base_url="https://lims.example.org/",
)


def certificate(**content_fields: object) -> reporting_pb2.Certificate:
    """An issued certificate; keyword arguments override fields of its content."""
    values: dict[str, object] = {
        "lab_number": "LNCM-2026-00042",
        "product_name": "Amoxicilline 500 mg",
        "product_code": "AMX500",
        "batch_number": "B2409-17",
        "manufacturer": "Pharma SA",
        "manufacture_date": "2025-09-01",
        "expiry_date": "2028-08-31",
        "purpose": common_pb2.PURPOSE_MARKET_SURVEILLANCE,
        "requester": "requester",
        "requester_organisation": "Direction du Médicament",
        "external_reference": "DMP/2026/118",
        "condition_on_receipt": "intact",
        "received_at": "2026-07-01T08:15:00Z",
        "specification": "Ph. Eur. 0260 (Ph. Eur.), version 2",
        "tests": [
            reporting_pb2.CertificateTest(
                name="Assay (HPLC)",
                method="Ph. Eur. 2.2.29",
                limits="95.0 – 105.0 %",
                values=["99.6", "100.1"],
                result="99.8",
                unit="%",
                conformity=common_pb2.CONFORMITY_CONFORMS,
            ),
            reporting_pb2.CertificateTest(
                name="Dissolution",
                limits="Q ≥ 80 %",
                values=["72", "75"],
                result="74",
                unit="%",
                conformity=common_pb2.CONFORMITY_DOES_NOT_CONFORM,
            ),
        ],
        "conclusion": common_pb2.CONFORMITY_DOES_NOT_CONFORM,
        "signatures": [
            common_pb2.Signature(
                username="approver",
                full_name="Aicha Approver",
                meaning=common_pb2.SIGNATURE_MEANING_APPROVED,
                signed_at="2026-07-03T14:05:00Z",
            )
        ],
    }
    values.update(content_fields)
    return reporting_pb2.Certificate(
        report_number="COA-2026-00007",
        version=1,
        lab_number="LNCM-2026-00042",
        issued_at="2026-12-31T23:30:00Z",
        issued_by=common_pb2.Actor(username="approver", full_name="Aicha Approver"),
        content_hash="ab" * 32,
        content=reporting_pb2.CertificateContent(**values),  # type: ignore[arg-type]
    )


class _Text(HTMLParser):
    """The visible text of an HTML document, and the attributes of its html element."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.html_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html_attrs = dict(attrs)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


def rendered(cert: reporting_pb2.Certificate) -> _Text:
    parser = _Text()
    parser.feed(render.render_html(render.certificate_context(cert, SETTINGS)))
    return parser


def test_times_are_shown_in_the_lab_time_zone_with_the_offset() -> None:
    assert render.lab_time("2026-07-01T08:15:00Z", "Europe/Paris") == "2026-07-01 10:15 (UTC+02:00)"
    assert render.lab_time("2026-01-01T08:15:00Z", "Europe/Paris") == "2026-01-01 09:15 (UTC+01:00)"
    assert render.lab_time("", "Europe/Paris") == "—"


def test_certificate_prints_the_sample_and_its_origin() -> None:
    text = rendered(certificate()).text
    for expected in (
        "Laboratoire de test",
        "1 rue des Essais, Rabat",
        "Certificat d'analyse / Certificate of analysis",
        "COA-2026-00007",
        "LNCM-2026-00042",
        "Amoxicilline 500 mg (AMX500)",
        "B2409-17",
        "Pharma SA",
        "2025-09-01",
        "2028-08-31",
        "requester",
        "Direction du Médicament",
        "DMP/2026/118",
        "Surveillance du marché / Market surveillance",
        "intact",
        "2026-07-01 10:15 (UTC+02:00)",
        "Ph. Eur. 0260 (Ph. Eur.), version 2",
    ):
        assert expected in text, expected


def test_issue_time_is_in_the_lab_calendar() -> None:
    # 23:30 UTC on 31 December is already New Year in Paris.
    assert "2027-01-01 00:30 (UTC+01:00)" in rendered(certificate()).text


def test_certificate_prints_each_test_with_values_result_and_verdict() -> None:
    text = rendered(certificate()).text
    assert "Assay (HPLC) Ph. Eur. 2.2.29 95.0 – 105.0 % 99.6; 100.1 99.8 % Conforme / Complies" in (
        text
    )
    assert "Dissolution — Q ≥ 80 % 72; 75 74 % Non conforme / Does not comply" in text


def test_conclusion_is_stated_in_words() -> None:
    failing = rendered(certificate()).text
    assert "The sample does NOT conform to the specification." in failing
    passing = rendered(certificate(conclusion=common_pb2.CONFORMITY_CONFORMS)).text
    assert "L'échantillon est CONFORME à la spécification." in passing
    assert "The sample CONFORMS to the specification." in passing


def test_signatures_show_name_meaning_and_local_time() -> None:
    text = rendered(certificate()).text
    assert "Aicha Approver Approuvé par / Approved by 2026-07-03 16:05 (UTC+02:00)" in text


def test_certificate_carries_the_statements_and_the_end_mark() -> None:
    text = rendered(certificate()).text
    assert "The results relate only to the sample tested." in text
    assert "This report may not be reproduced except in full without the written approval" in text
    assert text.endswith("*** Fin du rapport / End of report ***")


def test_qr_code_points_to_the_public_verification_page() -> None:
    context = render.certificate_context(certificate(), SETTINGS)
    assert context["verify_url"] == "https://lims.example.org/verify/COA-2026-00007"
    assert context["qr_data_uri"].startswith("data:image/svg+xml")
    assert context["qr_data_uri"] in render.render_html(context)


def test_html_declares_language_and_direction() -> None:
    assert rendered(certificate()).html_attrs == {"lang": "fr", "dir": "ltr"}


def test_content_is_escaped_not_interpreted() -> None:
    html = render.render_html(
        render.certificate_context(certificate(product_name="<b>Tablets</b> & co"), SETTINGS)
    )
    assert "&lt;b&gt;Tablets&lt;/b&gt; &amp; co" in html
    assert "<b>Tablets" not in html


def test_stylesheet_numbers_pages_and_repeats_the_report_number() -> None:
    css = (Path(render.TEMPLATES) / "certificate.css").read_text()
    assert "counter(pages)" in css
    assert "string(report)" in css
    assert '"DejaVu Sans"' in css
