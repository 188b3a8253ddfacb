"""The REST API's bodies for the catalogue's administration: methods, products, specification
versions and their import."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.gateway.schemas import Input, ProductOut, Text, Timestamp

TechniqueName = Literal[
    "HPLC",
    "GC",
    "UV",
    "IR",
    "TLC",
    "dissolution",
    "disintegration",
    "Karl Fischer",
    "titration",
    "microbiology",
    "visual",
    "pH",
    "mass",
    "other",
]
CalculationName = Literal[
    "single", "mean", "minimum", "maximum", "acceptance_value", "text", "formula"
]
CriterionKindName = Literal["range", "not_less_than", "not_more_than", "text"]
Limit = Annotated[str, Field(max_length=30, pattern=r"^([+-]?\d+(\.\d+)?)?$", examples=["95.0"])]
Reason = Annotated[Text, Field(min_length=1, description="Why the catalogue changes (audited).")]


class MethodOut(BaseModel):
    """A test method: the lab's SOP or a pharmacopoeia chapter."""

    code: str = Field(examples=["SOP-HPLC-012"])
    title: str = Field(examples=["Assay by HPLC, external standard"])
    reference: str = Field(examples=["Ph. Eur. 2.2.29"])
    technique: str
    active: bool
    created_at: Timestamp


class MethodIn(Input):
    """A new method."""

    code: str = Field(min_length=1, max_length=40, examples=["SOP-HPLC-012"])
    title: str = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=300, description="SOP or chapter.")
    technique: TechniqueName
    reason: Reason


class MethodPatch(Input):
    """What changes in a method (fields left out stay as they are)."""

    title: str | None = Field(None, min_length=1, max_length=200)
    reference: str | None = Field(None, min_length=1, max_length=300)
    technique: TechniqueName | None = None
    active: bool | None = Field(None, description="false retires the method.")
    reason: Reason


class FormulaInputIn(Input):
    """One named raw value of a formula."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_][a-z0-9_]*$")
    label: str = Field("", max_length=200)
    unit: str = Field("", max_length=20)


class SpecTestIn(Input):
    """One test of a specification, as written and as read back."""

    code: str = Field(min_length=1, max_length=30, examples=["ASSAY"])
    name: str = Field(min_length=1, max_length=200, examples=["Assay (HPLC)"])
    method_code: str = Field(
        "", max_length=40, description="A catalogue method; its technique is taken from it."
    )
    method: str = Field(
        "",
        max_length=200,
        description="Method text or conditions; the method's reference if empty.",
    )
    technique: str = Field("", max_length=50)
    unit: str = Field("", max_length=20)
    replicates: int = Field(1, ge=1, le=100)
    calculation: CalculationName
    decimals: int = Field(0, ge=0, le=6)
    criterion: CriterionKindName
    low: Limit = ""
    high: Limit = ""
    expected_text: str = Field("", max_length=200, description='For a text criterion: "conforms".')
    limits: str = Field(
        "", max_length=300, description="The limit as printed; written from the criterion if empty."
    )
    warning_low: Limit = ""
    warning_high: Limit = ""
    lod: Limit = ""
    loq: Limit = Field("", description='A rounded result below it is reported "< LOQ".')
    formula: str = Field(
        "",
        max_length=500,
        description="For a formula calculation: arithmetic over the inputs' names.",
        examples=["(area_sample / area_standard) * (weight_standard / declared_sample) * purity"],
    )
    inputs: list[FormulaInputIn] = Field(default_factory=list, max_length=12)


class SpecificationIn(Input):
    """A new version of a product's specification: it applies to samples planned from now on."""

    source: str = Field(
        min_length=1, max_length=50, description='"Ph. Eur.", "USP", "BP", "Int. Ph.", ...'
    )
    reference: str = Field(min_length=1, max_length=300)
    tests: list[SpecTestIn] = Field(min_length=1, max_length=100)
    based_on_version: int = Field(
        0, ge=0, description="The version in force this was edited from (409 if it changed)."
    )
    reason: Reason


class ProductIn(Input):
    """A new product with the first version of its specification."""

    code: str = Field(min_length=1, max_length=40, examples=["CHLQ-250-TAB"])
    name: str = Field(min_length=1, max_length=200)
    inn: str = Field("", max_length=200)
    dosage_form: str = Field("", max_length=100)
    strength: str = Field("", max_length=100)
    units_per_analysis: int = Field(0, ge=0, le=100000)
    source: str = Field(min_length=1, max_length=50)
    reference: str = Field(min_length=1, max_length=300)
    tests: list[SpecTestIn] = Field(min_length=1, max_length=100)
    reason: Reason


class SpecificationVersionOut(BaseModel):
    """One version of a product's specification."""

    product_code: str
    specification_id: str
    version: int
    source: str
    reference: str
    created_at: Timestamp
    created_by: str
    in_force: bool
    tests: list[SpecTestIn]


class ProductVersionsOut(BaseModel):
    """A product (with the version in force) and every version of its specification."""

    product: ProductOut
    versions: list[SpecificationVersionOut] = Field(description="Newest first.")


class ImportRowError(BaseModel):
    """One thing wrong in an imported file: the row (1 is the header), the field, why."""

    row: int
    field: str
    message: str


class SpecificationImportOut(BaseModel):
    """What an import found: the tests read, each error, and the version (recorded unless a dry
    run or an error)."""

    rows: int
    errors: list[ImportRowError]
    version: SpecificationVersionOut | None
    recorded: bool
