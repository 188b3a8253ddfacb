"""A released sample's certificate, rendered to PDF and read back field by field (issue #7:
WHO TRS 957 §18.11 and §19.1, ISO/IEC 17025 §7.8.2.1)."""

import io

import pytest
from pypdf import PdfReader

from kernel.settings import Settings
from lims.common.v1 import common_pb2
from lims.reporting.v1 import reporting_pb2
from services.reporting.render import render_pdf

SETTINGS = Settings(
    lab_name="Laboratoire de repli",  # not printed: the content names the laboratory
    lab_address="Adresse de repli",
    timezone="Africa/Casablanca",
    public_base_url="https://lims.example.org/",
)
LAB = "LNCM-2026-00042"
ARABIC_MANUFACTURER = "مختبرات الأطلس"
CONFORMS = common_pb2.CONFORMITY_CONFORMS
FAILS = common_pb2.CONFORMITY_DOES_NOT_CONFORM


def signature(who: str, name: str, meaning: int, at: str) -> common_pb2.Signature:
    return common_pb2.Signature(
        username=who,
        full_name=name,
        meaning=meaning,  # type: ignore[arg-type]
        signed_at=at,
    )


def released() -> reporting_pb2.Certificate:
    """A released sample's certificate with every field set, an Arabic manufacturer, a result
    below the LOQ and an OOS history (an invalidated result and its retest)."""
    tests = [
        reporting_pb2.CertificateTest(
            test_id=f"{LAB}-01",
            name="Description",
            method="Visual inspection",
            technique="visual",
            limits="White round tablets",
            values=["white round tablets"],
            result="white round tablets",
            replicates=1,
            conformity=CONFORMS,
        ),
        reporting_pb2.CertificateTest(
            test_id=f"{LAB}-02",
            name="Assay (HPLC)",
            method="Ph. Eur. 2.2.29",
            technique="HPLC",
            limits="95.0 – 105.0 %",
            values=["99.4", "100.2"],
            result="99.8",
            unit="%",
            replicates=2,
            conformity=CONFORMS,
        ),
        reporting_pb2.CertificateTest(
            test_id=f"{LAB}-03",
            name="Impurity 4-aminophenol",
            method="Ph. Eur. 0049",
            technique="HPLC",
            limits="NMT 0.1 %",
            values=["0.01"],
            result="< LOQ",
            unit="%",
            replicates=1,
            below_loq=True,
            loq="0.05",
            conformity=CONFORMS,
        ),
    ]
    # Enough tests to need a second page, so the page numbering is tried on several pages.
    tests += [
        reporting_pb2.CertificateTest(
            test_id=f"{LAB}-{n:02d}",
            name=f"Uniformity of dosage units, unit set {n}",
            method="Ph. Eur. 2.9.40",
            technique="HPLC",
            limits="AV ≤ 15.0",
            values=["98.1", "101.3", "99.9"],
            result="3.1",
            replicates=3,
            conformity=CONFORMS,
        )
        for n in range(4, 30)
    ]
    content = reporting_pb2.CertificateContent(
        lab_number=LAB,
        laboratory_name="Laboratoire National de Contrôle des Médicaments",
        laboratory_address="Madinat Al Irfane, Rabat, Maroc",
        product_name="Paracetamol 500 mg comprimés",
        product_code="PARA500",
        inns="paracetamol",
        dosage_form="tablet",
        strength="500 mg",
        pack="blister of 10 tablets, box of 20",
        batch_number="B2409-17",
        manufacturer=ARABIC_MANUFACTURER,
        marketing_authorisation_holder="Atlas Pharma SA",
        manufacture_date="2025-09-01",
        expiry_date="2028-08-31",
        storage_conditions="below 25 °C",
        purpose=common_pb2.PURPOSE_MARKET_SURVEILLANCE,
        requester="requester",
        requester_organisation="Direction du Médicament et de la Pharmacie",
        contact_name="Nadia Requester",
        contact_email="nadia@dmp.example.ma",
        contact_phone="+212 537 00 00 00",
        external_reference="DMP/2026/118",
        condition_on_receipt="intact, sealed",
        quantity_received="60 tablets",
        seals_intact=True,
        labelling_legible=True,
        temperature_on_arrival="21.5",
        received_at="2026-07-01T08:15:00Z",
        specification="Ph. Eur. 0049 (Ph. Eur.), version 2",
        specification_id="SPEC-PARA-500-TAB",
        specification_version=2,
        specification_source="Ph. Eur.",
        specification_reference="Ph. Eur. 0049",
        testing_started_at="2026-07-02T07:00:00Z",
        testing_ended_at="2026-07-09T15:20:00Z",
        tests=tests,
        conclusion=CONFORMS,
        signatures=[
            signature(
                "reviewer",
                "Rachid Reviewer",
                common_pb2.SIGNATURE_MEANING_REVIEWED,
                "2026-07-09T15:20:00Z",
            ),
            signature(
                "approver",
                "Aicha Approver",
                common_pb2.SIGNATURE_MEANING_APPROVED,
                "2026-07-10T09:05:00Z",
            ),
        ],
        investigations=[
            reporting_pb2.CertificateInvestigation(
                investigation_id=f"{LAB}-02-OOS1",
                test_id=f"{LAB}-02",
                test_name="Assay (HPLC)",
                attempt=1,
                original_result="93.1 %",
                outcome="invalidated",
                conclusion="Standard solution wrongly diluted",
                signers=[
                    reporting_pb2.CertificateInvestigationSigner(
                        name="Samir Supervisor",
                        meaning="approved",
                        step="phase_1",
                        signed_at="2026-07-05T10:00:00Z",
                    )
                ],
            )
        ],
        invalidated_results=[
            reporting_pb2.CertificateInvalidatedResult(
                test_id=f"{LAB}-02",
                test_name="Assay (HPLC)",
                attempt=1,
                values=["93.0", "93.2"],
                result="93.1 %",
                reason="Standard solution wrongly diluted",
                invalidated_by="supervisor",
                invalidated_at="2026-07-05T10:00:00Z",
            )
        ],
    )
    return reporting_pb2.Certificate(
        report_number="COA-2026-00007",
        version=1,
        lab_number=LAB,
        issued_at="2026-07-10T09:06:00Z",
        issued_by=common_pb2.Actor(username="approver", full_name="Aicha Approver"),
        content_hash="ab" * 32,
        content=content,
    )


def squeezed(text: str) -> str:
    """Text without whitespace: where a table cell wraps its text is the layout's business."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def pages() -> list[str]:
    """The text of each page of the rendered certificate, whitespace removed."""
    pdf = render_pdf(released(), SETTINGS)
    return [squeezed(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def text(pages: list[str]) -> str:
    return "".join(pages)


def test_every_page_carries_the_report_number_and_page_x_of_y(pages: list[str]) -> None:
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "COA-2026-00007" in page, number
        assert LAB in page, number
        assert squeezed(f"Page {number} de / of {len(pages)}") in page, number


def test_the_report_ends_with_a_clear_mark_on_the_last_page(pages: list[str]) -> None:
    mark = squeezed("*** Fin du rapport / End of report ***")
    assert mark in pages[-1]
    assert all(mark not in page for page in pages[:-1])


@pytest.mark.parametrize(
    "expected",
    [
        # The laboratory, the requester, the manufacturer and the MAH.
        "Laboratoire National de Contrôle des Médicaments",
        "Madinat Al Irfane, Rabat, Maroc",
        "Demandeur / Requester Direction du Médicament et de la Pharmacie",
        "Nadia Requester · nadia@dmp.example.ma · +212 537 00 00 00",
        "Référence externe / External reference DMP/2026/118",
        "Titulaire de l'AMM / Marketing authorisation holder Atlas Pharma SA",
        # The product and the sample.
        "Produit / Product Paracetamol 500 mg comprimés (PARA500)",
        "DCI / INN paracetamol",
        "Forme pharmaceutique / Dosage form tablet",
        "Dosage / Strength 500 mg",
        "Conditionnement / Pack blister of 10 tablets, box of 20",
        "Lot / Batch B2409-17",
        "Date de fabrication / Manufacture date 2025-09-01",
        "Date de péremption / Expiry date 2028-08-31",
        "Conditions de conservation / Storage conditions below 25 °C",
        "État à la réception / Condition on receipt intact, sealed",
        "Quantité reçue / Quantity received 60 tablets",
        "Scellés intacts / Seals intact Oui / Yes",
        "Étiquetage lisible / Labelling legible Oui / Yes",
        "Température à l'arrivée / Temperature on arrival 21.5 °C",
        # Purpose, specification and its version and source.
        "Objet de l'analyse / Purpose Surveillance du marché / Market surveillance",
        "Spécification / Specification Ph. Eur. 0049 (Ph. Eur.)",
        "Identifiant et version / Id and version SPEC-PARA-500-TAB · version 2",
        # Dates in the lab's time zone (Casablanca: UTC+01:00).
        "Réception / Receipt 2026-07-01 09:15 (UTC+01:00)",
        "Début des essais / Start of testing 2026-07-02 08:00 (UTC+01:00)",
        "Fin des essais / End of testing 2026-07-09 16:20 (UTC+01:00)",
        "Émission / Issue 2026-07-10 10:06 (UTC+01:00)",
        # Each test: method and technique, limits, individual values, result, verdict.
        "Description Visual inspection (visual) White round tablets — white round tablets "
        "Conforme / Complies",
        "Assay (HPLC) Ph. Eur. 2.2.29 (HPLC) 95.0 – 105.0 % 99.4; 100.2 99.8 % Conforme / Complies",
        "Impurity 4-aminophenol Ph. Eur. 0049 (HPLC) NMT 0.1 % — < LOQ (LOQ = 0.05 %) "
        "Conforme / Complies",
        "98.1; 101.3; 99.9 3.1 Conforme / Complies",
        # The OOS history: the investigation and the invalidated result, with its values.
        f"{LAB}-02-OOS1 Assay (HPLC) (n° 1) 93.1 %",
        "Résultat invalidé (cause assignable) / Result invalidated (assignable cause)",
        "Samir Supervisor, approuvé / approved, 2026-07-05 11:00 (UTC+01:00)",
        "Assay (HPLC) (n° 1) 93.0; 93.2 93.1 % Standard solution wrongly diluted supervisor, "
        "2026-07-05 11:00 (UTC+01:00)",
        # Conclusion and the decision rule.
        "L'échantillon est CONFORME à la spécification.",
        "The sample CONFORMS to the specification.",
        "Decision rule: simple acceptance per the pharmacopoeial convention — the rounded "
        "result is compared with the limits; measurement uncertainty is not taken into account.",
        "Règle de décision : acceptation simple",
        # Signatures: name, meaning, date and time with the zone.
        "Rachid Reviewer Revu par / Reviewed by 2026-07-09 16:20 (UTC+01:00)",
        "Aicha Approver Approuvé par / Approved by 2026-07-10 10:05 (UTC+01:00)",
        # The statement and the verification link under the QR code.
        "The results relate only to the sample tested. This report may not be reproduced "
        "except in full without the written approval of the laboratory.",
        "Les résultats ne se rapportent qu'à l'échantillon analysé.",
        "https://lims.example.org/verify/COA-2026-00007",
    ],
)
def test_the_certificate_prints(text: str, expected: str) -> None:
    assert squeezed(expected) in text


def test_an_arabic_name_is_printed_in_arabic_letters(text: str) -> None:
    assert squeezed(f"Fabricant / Manufacturer {ARABIC_MANUFACTURER}") in text
