"""The REST API's bodies for amended certificates and the public verification of a PDF."""

from pydantic import BaseModel, Field

from services.gateway.schemas import Input, IsoDate, Timestamp

MAX_REASON = 1000


class AmendmentIn(Input):
    """The approver's corrected certificate: why, and their signature (password again)."""

    reason: str = Field(
        min_length=1,
        max_length=MAX_REASON,
        description="What is corrected and why; printed on the new version and audited.",
    )
    password: str = Field(min_length=1, max_length=200)
    replaces: str | None = Field(
        None,
        max_length=30,
        description="Report number of the version being corrected (default: the current one). "
        "Given, a retried request returns the version it already made instead of amending again.",
    )


class CertificateVersionOut(BaseModel):
    """One version of a sample's certificate and its place among the amendments."""

    report_number: str
    version: int
    issued_at: Timestamp
    issued_by: str = Field(description="Full name of the approver who issued this version.")
    conclusion: str
    content_hash: str
    pdf_hash: str = Field(description="SHA-256 of the issued PDF; empty until first downloaded.")
    replaces: str | None = Field(description="Report number of the version this one replaces.")
    reason: str | None = Field(description="Why this version was issued (amendments only).")
    current: bool
    superseded_by: str | None = Field(description="Report number of the replacing version.")
    superseded_at: Timestamp | None
    url: str = Field(description="The PDF of exactly this version.")
    verify_url: str = Field(description="The public authenticity check of this version.")


class PdfCheckOut(BaseModel):
    """Whether an uploaded file is byte-identical to a PDF the laboratory issued for a report."""

    report_number: str = Field(description="The report number the file was checked against.")
    matches: bool
    matching_report_number: str | None = Field(description="The version it is identical to.")
    matching_version: int | None
    current: bool | None = Field(description="Whether the matching version is the current one.")
    sha256: str = Field(description="SHA-256 of the uploaded file.")


class SampleDetailsPatch(Input):
    """Corrected details of a sample, with the reason; a field left out keeps its value."""

    reason: str = Field(min_length=1, max_length=MAX_REASON, description="Why (audited).")
    product_name: str | None = Field(None, min_length=1, max_length=300)
    batch_number: str | None = Field(None, max_length=100)
    manufacturer: str | None = Field(None, max_length=300)
    marketing_authorisation_holder: str | None = Field(None, max_length=300)
    manufacture_date: IsoDate | None = None
    expiry_date: IsoDate | None = None
    condition_on_receipt: str | None = Field(None, max_length=2000)
    inns: str | None = Field(None, max_length=300)
    dosage_form: str | None = Field(None, max_length=100)
    strength: str | None = Field(None, max_length=100)
    pack: str | None = Field(None, max_length=200)
