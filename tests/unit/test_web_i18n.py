"""The web UI's French catalogue translates every message the pages use, with the same
placeholders; dates and numbers follow the locale and the lab's time zone."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from services.gateway.web.i18n import LOCALE_DIR, Lang

WEB = Path(__file__).resolve().parents[2] / "services" / "gateway" / "web"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def used_messages() -> set[str]:
    """Every message marked in the templates (`_()`) and in the web code (gettext, N_)."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {"_": None, "gettext": None, "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_of_the_pages_has_a_french_translation() -> None:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source, locale="fr")
    translated = {
        str(m.id): str(m.string) for m in catalogue if isinstance(m.id, str) and m.id and m.string
    }
    used = used_messages()

    assert len(used) > 100  # the extraction really looked at the templates
    assert sorted(used - translated.keys()) == []
    for message in used:
        assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(translated[message]))


def test_french_is_written_the_french_way_in_the_labs_time_zone() -> None:
    french, english = Lang("fr", "Africa/Casablanca"), Lang("en", "Africa/Casablanca")

    assert french.gettext("Samples") == "Échantillons"
    assert french.gettext("Page %(page)s of %(pages)s", page=2, pages=7) == "Page 2 sur 7"
    assert english.gettext("Samples") == "Samples"
    assert french.number("99.50") == "99,50"  # every digit kept, decimal comma
    assert english.number("1234.5") == "1,234.5"
    assert french.number("conforms") == "conforms"  # a text observation stays as typed
    # 10:00 UTC is 11:00 in Casablanca (UTC+1).
    assert "11:00" in french.datetime("2026-11-23T10:00:00Z")
    assert french.dir == "ltr" and Lang("ar", "Africa/Casablanca").dir == "rtl"


def test_refusals_worded_by_the_services_read_in_french() -> None:
    french = Lang("fr", "Africa/Casablanca")

    assert (
        french.refusal("values[1]: 'abc' is not a number")
        == "values[1]: « abc » n'est pas un nombre"
    )
    assert french.refusal("expected 2 values, got 1") == "2 valeurs attendues, 1 reçues"
    assert (
        french.refusal("reason: required when rejected; quantity_received: Field required")
        == "reason: obligatoire en cas de refus; quantity_received: Champ obligatoire"
    )
    assert (
        french.refusal("an unknown wording stays as it came")
        == "an unknown wording stays as it came"
    )
    english = Lang("en", "Africa/Casablanca")
    assert english.refusal("expected 2 values, got 1") == "expected 2 values, got 1"
