"""The demo resources of the embedded default: every demo analyst qualified for every demo
technique, instruments for each technique, reference standards and reagents for the demo
products, and a few items that have lapsed or lapse soon, so the quality manager's page and the
refusals have something to show. Created once: a later start changes nothing."""

from datetime import date, timedelta

from sqlalchemy.orm import Session

from kernel.audit import SYSTEM
from kernel.timefmt import utcnow
from services.testing import resources_repository as repo
from services.testing import resources_service as rs
from services.testing.resources import Instrument, InstrumentStatus, Lot, Qualification
from services.testing.resources import StandardSource as Src

# Who analyses in the demo (the reviewer, a section head, may analyse too) and the techniques
# of the demo catalogue (services.testing.demo).
ANALYSTS = ("analyst", "analyst2", "reviewer")
TECHNIQUES = ("visual", "IR", "HPLC", "UV", "KF")
# The instrument the demo (and the tests) use for each technique that needs one.
INSTRUMENTS = {"IR": "FTIR-01", "HPLC": "HPLC-01", "UV": "UV-01", "KF": "KF-01"}
OVERDUE_INSTRUMENT = "UV-02"
EXPIRED_STANDARD = "PCM-CRS-2019"


def seed(session: Session, today: date | None = None) -> None:
    """Creates the demo resources that do not exist yet; existing ones are left as they are."""
    today = today or utcnow().date()
    years = timedelta(days=730)
    for analyst in ANALYSTS:
        held = {q.technique for q in repo.qualifications(session, analyst)}
        for technique in TECHNIQUES:
            if technique not in held:
                record = f"TR-{analyst.upper()}-{technique.upper()}"
                rs.save_qualification(
                    session,
                    Qualification(analyst, technique, today - years, today + years, record),
                    SYSTEM,
                )
    instruments = [
        Instrument(
            "HPLC-01",
            "Agilent 1260 Infinity II",
            ("HPLC",),
            today + timedelta(days=180),
            InstrumentStatus.IN_SERVICE,
        ),
        Instrument(
            "HPLC-02",
            "Waters Alliance e2695",
            ("HPLC",),
            today + timedelta(days=20),
            InstrumentStatus.IN_SERVICE,
        ),
        Instrument(
            "UV-01",
            "Shimadzu UV-1900i",
            ("UV",),
            today + timedelta(days=240),
            InstrumentStatus.IN_SERVICE,
        ),
        Instrument(
            OVERDUE_INSTRUMENT,
            "Dissolution tester with UV",
            ("UV",),
            today - timedelta(days=3),
            InstrumentStatus.IN_SERVICE,
        ),
        Instrument(
            "FTIR-01",
            "PerkinElmer Spectrum Two",
            ("IR",),
            today + timedelta(days=300),
            InstrumentStatus.IN_SERVICE,
        ),
        Instrument(
            "KF-01",
            "Metrohm 915 KF Ti-Touch",
            ("KF",),
            today + timedelta(days=120),
            InstrumentStatus.IN_SERVICE,
        ),
    ]
    for instrument in instruments:
        if repo.instrument(session, instrument.code) is None:
            rs.save_instrument(session, instrument, SYSTEM)
    standards = [
        rs.StandardLot("Y0001015", "Paracetamol CRS", Src.PH_EUR_CRS, today + years, "100", "mg"),
        rs.StandardLot(
            EXPIRED_STANDARD,
            "Paracetamol CRS",
            Src.PH_EUR_CRS,
            today - timedelta(days=10),
            "20",
            "mg",
        ),
        rs.StandardLot("R11720", "Amoxicillin USP RS", Src.USP_RS, today + years, "200", "mg"),
        rs.StandardLot(
            "R09860", "Metformin Hydrochloride USP RS", Src.USP_RS, today + years, "200", "mg"
        ),
        rs.StandardLot(
            "R12870", "Ibuprofen USP RS", Src.USP_RS, today + timedelta(days=25), "150", "mg"
        ),
        rs.StandardLot("ICRS-1352", "Artemether ICRS", Src.WHO_ICRS, today + years, "100", "mg"),
        rs.StandardLot("ICRS-1360", "Lumefantrine ICRS", Src.WHO_ICRS, today + years, "100", "mg"),
    ]
    for standard in standards:
        if repo.standard(session, standard.lot) is None:
            rs.save_reference_standard(session, standard, SYSTEM)
    reagents = [
        Lot("ACN-24-117", "Acetonitrile for chromatography", today + years),
        Lot("KF-24-031", "Karl Fischer reagent (one-component)", today + timedelta(days=15)),
        Lot("PB58-24-009", "Phosphate buffer pH 5.8", today + timedelta(days=90)),
    ]
    for reagent in reagents:
        if repo.reagent(session, reagent.lot) is None:
            rs.save_reagent(session, reagent, SYSTEM)
