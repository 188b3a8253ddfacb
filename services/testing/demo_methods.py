"""The demo's methods catalogue, and a product whose specification uses it with what the methods
catalogue brought: an HPLC assay computed by formula from peak areas, weights and the reference
standard's purity, warning limits, and an impurity with its LOD and LOQ."""

from sqlalchemy.orm import Session

from kernel.audit import SYSTEM
from services.testing import catalogue_admin, repository
from services.testing.domain import (
    Calculation,
    Criterion,
    CriterionKind,
    FormulaInput,
    ProductDefinition,
    SpecTest,
)
from services.testing.spec_rules import MethodDefinition

METHODS: tuple[MethodDefinition, ...] = (
    MethodDefinition("SOP-VIS-001", "Visual examination", "SOP-VIS-001 / Int. Ph. 1.11", "visual"),
    MethodDefinition(
        "SOP-IR-003", "Identification by infrared spectrophotometry", "Int. Ph. 1.7", "IR"
    ),
    MethodDefinition("SOP-HPLC-012", "Assay by HPLC, external standard", "Int. Ph. 1.14.4", "HPLC"),
    MethodDefinition("SOP-HPLC-015", "Related substances by HPLC", "Int. Ph. 1.14.4", "HPLC"),
)

ASSAY_FORMULA = "(area_sample / area_standard) * (weight_standard / declared_sample) * purity"

CHLOROQUINE = ProductDefinition(
    code="CHLQ-250-TAB",
    name="Chloroquine phosphate 250 mg tablets",
    inn="chloroquine phosphate",
    dosage_form="tablet",
    strength="250 mg",
    source="Int. Ph.",
    reference="Int. Ph. Chloroquine phosphate tablets",
    units_per_analysis=20,
    tests=(
        SpecTest(
            code="APPEARANCE",
            name="Appearance",
            method="White, round tablets",
            technique="visual",
            unit="",
            replicates=1,
            calculation=Calculation.TEXT,
            decimals=0,
            criterion=Criterion(
                CriterionKind.TEXT,
                expected_text="conforms",
                display="White, round tablets — conforms",
            ),
            method_code="SOP-VIS-001",
        ),
        SpecTest(
            code="IDENTIFICATION",
            name="Identification (IR)",
            method="Int. Ph. 1.7",
            technique="IR",
            unit="",
            replicates=1,
            calculation=Calculation.TEXT,
            decimals=0,
            criterion=Criterion(
                CriterionKind.TEXT,
                expected_text="positive",
                display="Spectrum concordant with the reference — positive",
            ),
            method_code="SOP-IR-003",
        ),
        SpecTest(
            code="ASSAY",
            name="Assay (HPLC)",
            method="Int. Ph. 1.14.4",
            technique="HPLC",
            unit="%",
            replicates=2,
            calculation=Calculation.FORMULA,
            decimals=1,
            criterion=Criterion(
                CriterionKind.RANGE,
                low="93.0",
                high="107.0",
                display="93.0 – 107.0 % of label claim",
            ),
            method_code="SOP-HPLC-012",
            warning_low="95.0",
            warning_high="105.0",
            formula=ASSAY_FORMULA,
            inputs=(
                FormulaInput("area_sample", "Peak area, sample solution", "mAU·s"),
                FormulaInput("area_standard", "Peak area, reference solution", "mAU·s"),
                FormulaInput("weight_standard", "Reference standard weighed", "mg"),
                FormulaInput("declared_sample", "Declared content of the portion weighed", "mg"),
                FormulaInput("purity", "Reference standard purity", "%"),
            ),
        ),
        SpecTest(
            code="RELATED",
            name="Related substances (any impurity)",
            method="Int. Ph. 1.14.4",
            technique="HPLC",
            unit="%",
            replicates=1,
            calculation=Calculation.SINGLE,
            decimals=2,
            criterion=Criterion(CriterionKind.NOT_MORE_THAN, high="0.50", display="≤ 0.50 %"),
            method_code="SOP-HPLC-015",
            warning_high="0.40",
            lod="0.02",
            loq="0.05",
        ),
    ),
)


def seed_methods(session: Session) -> None:
    """Puts the demo methods in the catalogue; run again, it changes nothing."""
    for method in METHODS:
        if repository.get_method(session, method.code) is None:
            catalogue_admin.create_method(session, method, SYSTEM, "demo catalogue")
