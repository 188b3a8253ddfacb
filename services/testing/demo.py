"""The demo catalogue of the embedded default: a few products with specifications written after
their monographs. Codes are stable: tests and the demo walkthrough refer to them."""

from sqlalchemy.orm import Session

from kernel.audit import SYSTEM
from services.testing import catalogue, demo_methods, demo_resources
from services.testing.domain import (
    Calculation,
    Criterion,
    CriterionKind,
    ProductDefinition,
    SpecTest,
)

_S1 = "stage S1: each unit ≥ Q + 5 %"


def _text(
    code: str, name: str, method: str, technique: str, expected: str, display: str
) -> SpecTest:
    return SpecTest(
        code=code,
        name=name,
        method=method,
        technique=technique,
        unit="",
        replicates=1,
        calculation=Calculation.TEXT,
        decimals=0,
        criterion=Criterion(CriterionKind.TEXT, expected_text=expected, display=display),
    )


def _appearance(description: str) -> SpecTest:
    return _text(
        "APPEARANCE",
        "Appearance",
        "Visual examination",
        "visual",
        "conforms",
        f"{description} — conforms",
    )


def _assay(
    code: str,
    name: str,
    method: str,
    low: str,
    high: str,
    display: str = "",
    technique: str = "HPLC",
) -> SpecTest:
    return SpecTest(
        code=code,
        name=name,
        method=method,
        technique=technique,
        unit="%",
        replicates=2,
        calculation=Calculation.MEAN,
        decimals=1,
        criterion=Criterion(
            CriterionKind.RANGE,
            low=low,
            high=high,
            display=display or f"{low} – {high} % of label claim",
        ),
    )


def _dissolution(
    method: str, q: int, minutes: int, code: str = "DISSOLUTION", of: str = ""
) -> SpecTest:
    # Stage S1 of Ph. Eur. 2.9.3 / USP <711>: every one of 6 units dissolves at least Q + 5 %,
    # so the smallest unit, rounded to a whole per cent, decides.
    return SpecTest(
        code=code,
        name=f"Dissolution{f' ({of})' if of else ''}",
        method=method,
        technique="UV",
        unit="%",
        replicates=6,
        calculation=Calculation.MINIMUM,
        decimals=0,
        criterion=Criterion(
            CriterionKind.NOT_LESS_THAN,
            low=str(q + 5),
            display=f"{of.capitalize() + ': ' if of else ''}Q = {q} % in {minutes} min, {_S1}",
        ),
    )


def _uniformity(method: str, chapter: str) -> SpecTest:
    return SpecTest(
        code="UNIFORMITY",
        name="Uniformity of dosage units (content uniformity)",
        method=method,
        technique="HPLC",
        unit="",
        replicates=10,
        calculation=Calculation.ACCEPTANCE_VALUE,
        decimals=1,
        criterion=Criterion(
            CriterionKind.NOT_MORE_THAN, high="15.0", display=f"{chapter}, AV ≤ L1 = 15.0"
        ),
    )


def _limit(
    code: str,
    name: str,
    method: str,
    technique: str,
    replicates: int,
    decimals: int,
    high: str,
    display: str,
) -> SpecTest:
    return SpecTest(
        code=code,
        name=name,
        method=method,
        technique=technique,
        unit="%",
        replicates=replicates,
        calculation=Calculation.SINGLE if replicates == 1 else Calculation.MEAN,
        decimals=decimals,
        criterion=Criterion(CriterionKind.NOT_MORE_THAN, high=high, display=display),
    )


PARACETAMOL = ProductDefinition(
    code="PARA-500-TAB",
    name="Paracetamol 500 mg tablets",
    inn="paracetamol",
    dosage_form="tablet",
    strength="500 mg",
    source="Ph. Eur./BP",
    reference="Ph. Eur. 0049 / BP Paracetamol Tablets",
    units_per_analysis=20,
    tests=(
        _appearance("White, capsule-shaped tablets"),
        _text(
            "IDENTIFICATION",
            "Identification (IR)",
            "Ph. Eur. 2.2.24",
            "IR",
            "positive",
            "IR spectrum concordant with paracetamol CRS — positive",
        ),
        _assay("ASSAY", "Assay (HPLC)", "Ph. Eur. 2.2.29", "95.0", "105.0"),
        _dissolution("Ph. Eur. 2.9.3, paddle 50 rpm, phosphate buffer pH 5.8", 80, 30),
        _uniformity("Ph. Eur. 2.9.40", "Ph. Eur. 2.9.40"),
        # BP Paracetamol Tablets limits 4-aminophenol to 0.1 %; Ph. Eur. 0049 (50 ppm) is the
        # limit for the substance, not for tablets, where it also forms by hydrolysis.
        _limit(
            "RELATED",
            "Related substances: 4-aminophenol (impurity K)",
            "Ph. Eur. 2.2.29",
            "HPLC",
            1,
            2,
            "0.10",
            "4-aminophenol (impurity K) ≤ 0.10 %",
        ),
    ),
)

AMOXICILLIN = ProductDefinition(
    code="AMOX-500-CAP",
    name="Amoxicillin 500 mg capsules",
    inn="amoxicillin (as trihydrate)",
    dosage_form="capsule",
    strength="500 mg",
    source="USP",
    reference="USP Amoxicillin Capsules",
    units_per_analysis=20,
    tests=(
        _appearance("Hard capsules containing a white to off-white powder"),
        _text(
            "IDENTIFICATION",
            "Identification (HPLC)",
            "USP <621>, as obtained in the Assay",
            "HPLC",
            "positive",
            "Retention time of the major peak corresponds to the standard — positive",
        ),
        _assay("ASSAY", "Assay (HPLC)", "USP <621>", "90.0", "120.0"),
        _dissolution("USP <711>, apparatus 2, 75 rpm, water 900 mL", 80, 60),
        _limit(
            "WATER", "Water (Karl Fischer)", "USP <921>, method I", "KF", 2, 1, "14.5", "≤ 14.5 %"
        ),
    ),
)

METFORMIN = ProductDefinition(
    code="METF-850-TAB",
    name="Metformin hydrochloride 850 mg tablets",
    inn="metformin hydrochloride",
    dosage_form="film-coated tablet",
    strength="850 mg",
    source="USP",
    reference="USP Metformin Hydrochloride Tablets",
    units_per_analysis=20,
    tests=(
        _appearance("White, oval, film-coated tablets"),
        _text(
            "IDENTIFICATION",
            "Identification (IR)",
            "USP <197K>",
            "IR",
            "positive",
            "IR spectrum concordant with USP Metformin Hydrochloride RS — positive",
        ),
        _assay("ASSAY", "Assay (HPLC)", "USP <621>", "95.0", "105.0"),
        _dissolution("USP <711>, apparatus 1, 100 rpm, phosphate buffer pH 6.8, 1000 mL", 70, 45),
        _uniformity("USP <905>", "USP <905>"),
    ),
)

IBUPROFEN = ProductDefinition(
    code="IBU-400-TAB",
    name="Ibuprofen 400 mg tablets",
    inn="ibuprofen",
    dosage_form="film-coated tablet",
    strength="400 mg",
    source="USP",
    reference="USP Ibuprofen Tablets",
    units_per_analysis=20,
    tests=(
        _appearance("White, round, film-coated tablets"),
        _text(
            "IDENTIFICATION",
            "Identification (IR)",
            "USP <197M>",
            "IR",
            "positive",
            "IR spectrum concordant with USP Ibuprofen RS — positive",
        ),
        _assay("ASSAY", "Assay (HPLC)", "USP <621>", "90.0", "110.0"),
        _dissolution("USP <711>, apparatus 2, 50 rpm, phosphate buffer pH 7.2, 900 mL", 80, 60),
        _limit(
            "RELATED",
            "Limit of ibuprofen related compound C (4-isobutylacetophenone)",
            "USP <621>",
            "HPLC",
            1,
            2,
            "0.10",
            "4-isobutylacetophenone ≤ 0.10 %",
        ),
        _limit(
            "WATER", "Water (Karl Fischer)", "USP <921>, method I", "KF", 2, 1, "5.0", "≤ 5.0 %"
        ),
    ),
)

ARTEMETHER_LUMEFANTRINE = ProductDefinition(
    code="AL-20-120-TAB",
    name="Artemether/lumefantrine 20 mg/120 mg tablets",
    inn="artemether, lumefantrine",
    dosage_form="tablet",
    strength="20 mg / 120 mg",
    source="Int. Ph.",
    reference="Int. Ph. Artemether and lumefantrine tablets",
    units_per_analysis=24,
    tests=(
        _appearance("Yellow, round, flat tablets with bevelled edges"),
        _text(
            "IDENTIFICATION",
            "Identification (HPLC)",
            "Int. Ph. 1.14.4, as obtained in the Assay",
            "HPLC",
            "positive",
            "Retention times of artemether and lumefantrine correspond to the references — positive",
        ),
        _assay(
            "ASSAY-ART",
            "Assay of artemether (HPLC)",
            "Int. Ph. 1.14.4",
            "90.0",
            "110.0",
            "Artemether 90.0 – 110.0 % of label claim",
        ),
        _assay(
            "ASSAY-LUM",
            "Assay of lumefantrine (HPLC)",
            "Int. Ph. 1.14.4",
            "90.0",
            "110.0",
            "Lumefantrine 90.0 – 110.0 % of label claim",
        ),
        _dissolution(
            "Int. Ph. 5.5, paddle 100 rpm, 0.1 M hydrochloric acid with surfactant",
            60,
            45,
            code="DISSOLUTION-LUM",
            of="lumefantrine",
        ),
    ),
)

PRODUCTS: tuple[ProductDefinition, ...] = (
    PARACETAMOL,
    AMOXICILLIN,
    METFORMIN,
    IBUPROFEN,
    ARTEMETHER_LUMEFANTRINE,
    demo_methods.CHLOROQUINE,
)


def seed(session: Session) -> None:
    """Puts the demo methods and products in the catalogue and the demo resources that gate
    testing; run again, it changes nothing."""
    demo_methods.seed_methods(session)
    for definition in PRODUCTS:
        catalogue.ensure_product(session, definition, SYSTEM)
    demo_resources.seed(session)
