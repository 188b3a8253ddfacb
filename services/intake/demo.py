"""The demo storage locations of the embedded default: reception's shelves, a refrigerator, a
freezer and the retention store. Codes are stable: tests and the demo walkthrough refer to them."""

from sqlalchemy.orm import Session

from kernel.audit import SYSTEM
from services.intake.custody_service import create_storage_location

# (code, name, conditions)
LOCATIONS: tuple[tuple[str, str, str], ...] = (
    ("A1", "Armoire A1 — réception", "15–25 °C, à l'abri de la lumière"),
    ("R2", "Réfrigérateur R2", "2–8 °C"),
    ("C1", "Congélateur C1", "≤ −20 °C"),
    ("RET-1", "Échantillothèque (retenus)", "15–25 °C, HR ≤ 60 %"),
)


def seed(session: Session) -> None:
    """Adds the demo storage locations; run again, it changes nothing."""
    for code, name, conditions in LOCATIONS:
        create_storage_location(session, SYSTEM, code=code, name=name, conditions=conditions)
