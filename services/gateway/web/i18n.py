"""Languages of the web UI: Babel catalogues, and dates and numbers in the lab's locale and zone.

Messages are written in English in the code and templates (`_("...")`); each other language has a
catalogue `locale/<code>/LC_MESSAGES/messages.po`, compiled in memory when first used, so no
compiled file is kept in the repository. French is the default. A right-to-left language (Arabic)
only needs its catalogue and an entry in LANGUAGES: templates take the direction from `Lang.dir`.
"""

import gettext
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone_gmt
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# code -> name shown in the switch, in its own language
LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT_LANGUAGE = "fr"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


@lru_cache
def catalogue(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of a language (English, the source language, needs none)."""
    po = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        messages = read_po(source, locale=code)
    compiled = BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled)


def choose(requested: str | None) -> str:
    """A supported language code: the one asked for, else the default."""
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Lang:
    """One request's language: translations and the formats of its locale, in the lab's zone."""

    code: str
    timezone: str

    @property
    def dir(self) -> str:
        """Text direction of the page."""
        return "rtl" if self.code in RIGHT_TO_LEFT else "ltr"

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    def gettext(self, message: str, **values: Any) -> str:
        """The message in this language, with %(name)s placeholders filled from `values`."""
        text = catalogue(self.code).gettext(message)
        return text % values if values else text

    def refusal(self, message: str) -> str:
        """A refusal worded by a service, in this language: the whole message if the catalogue
        has it, else a known wording with its values (REFUSAL_PATTERNS), else as it came;
        "field: message; field: message" is translated part by part."""
        parts = message.split("; ")
        if len(parts) > 1 and all(_FIELD_PART.match(part) for part in parts):
            return "; ".join(self.refusal(part) for part in parts)
        field = _FIELD_PART.match(message)
        if field and self.gettext(message) == message:
            return f"{field[1]}: {self.refusal(field[2])}"
        translated = self.gettext(message)
        if translated != message:
            return translated
        for pattern, wording in REFUSAL_PATTERNS:
            found = pattern.match(message)
            if found:
                return self.gettext(wording, **found.groupdict())
        return message

    def datetime(self, value: str | datetime | None, *, zone: bool = False) -> str:
        """A date and time (RFC 3339 text or datetime) in the lab's zone; '' for none. With
        `zone`, the offset is written too (a signature states its time zone)."""
        moment = _parse_datetime(value)
        if moment is None:
            return ""
        tz = ZoneInfo(self.timezone)
        text = format_datetime(moment, "medium", tzinfo=tz, locale=self.locale)
        if zone:
            text += " " + get_timezone_gmt(moment.astimezone(tz), "long", locale=self.locale)
        return text

    def date(self, value: str | date | None) -> str:
        """A calendar date; '' for none."""
        if not value:
            return ""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, "medium", locale=self.locale)

    def number(self, value: str | None) -> str:
        """A decimal as the locale writes it, every digit kept ("99,5" in French)."""
        if value is None or value == "":
            return ""
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value  # a text observation ("conforms") stays as entered
        exponent = number.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return format_decimal(
            number, format="#,##0." + "0" * decimals if decimals else "#,##0", locale=self.locale
        )


def _parse_datetime(value: str | datetime | None) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def N_(message: str) -> str:
    """Marks a message for the catalogues without translating it here (gettext's N_)."""
    return message


# Words the pages build from data (statuses, purposes, verdicts, timeline actions), and the
# refusals the shared handlers word in English: listed so the catalogues must translate them.
DATA_MESSAGES = (
    # sample statuses (underscores shown as spaces)
    N_("registered"),
    N_("received"),
    N_("rejected"),
    N_("in testing"),
    N_("in review"),
    N_("awaiting approval"),
    N_("released"),
    N_("on hold"),
    N_("cancelled"),
    # test statuses, review outcomes, verdicts, signature meanings
    N_("pending"),
    N_("assigned"),
    N_("submitted"),
    N_("accepted"),
    N_("invalidated"),
    N_("sent back"),
    N_("conforms"),
    N_("does not conform"),
    N_("authored"),
    N_("reviewed"),
    N_("approved"),
    N_("witnessed"),
    # OOS investigations: phases, outcomes and the Phase I checklist (services.testing)
    N_("phase 1"),
    N_("phase 2"),
    N_("concluded"),
    N_("confirmed"),
    N_("The method (version in force) was followed as written"),
    N_("Calculations and transcriptions were checked"),
    N_("The instrument was calibrated and system suitability passed"),
    N_("Reference standards and reagents were in date and correctly prepared"),
    N_("The sample was prepared as the method says (weights, dilutions)"),
    N_("The analyst is qualified for the technique"),
    N_("No equipment malfunction or environmental excursion was recorded"),
    # purposes
    N_("registration"),
    N_("batch release"),
    N_("market surveillance"),
    N_("complaint"),
    N_("suspected falsified"),
    # roles
    N_("requester"),
    N_("reception"),
    N_("analyst"),
    N_("reviewer"),
    N_("approver"),
    N_("quality"),
    N_("admin"),
    # timeline actions
    N_("status changed"),
    N_("sla due set"),
    N_("sla warning"),
    N_("sla breach"),
)
REFUSAL_MESSAGES = (
    N_("a number is required"),
    N_("an observation is required"),
    N_("required when accepted"),
    N_("required when rejected"),
    N_("required when sending a result back"),
    N_("Field required"),
    N_("Input should be greater than 0"),
    N_("Input should be a valid decimal"),
    N_("Input should be a valid date or datetime, input is too short"),
    N_("String should have at least 1 character"),
    N_("List should have at least 1 item after validation, not 0"),
    N_("at least one value is required"),
    N_("give either values or inputs, not both"),
    N_("the password does not match: the signature was not applied and the attempt was recorded"),
    N_("the form is out of date or was not sent by this application; reload it"),
    N_("this action needs the role 'reception'"),
    N_("this action needs the role 'analyst'"),
    N_("this action needs the role 'reviewer'"),
    N_("this action needs the role 'approver'"),
    N_("this action needs one of the roles 'reception', 'admin', 'requester'"),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("required (why the target changes)"),
    N_("required (why the working week changes)"),
    N_("required (why the date is not worked)"),
    N_("at least one working day of the week is required"),
    N_("required (YYYY-MM-DD)"),
    N_("required (e.g. Fête du Travail)"),
    # attachments (services.gateway.api.resources, services.testing.resources_service)
    N_("choose a file to attach"),
    N_("the file is empty"),
    N_("only the analyst assigned to the test, or a reviewer, attaches files to it"),
    N_("files are attached only while the test is assigned or submitted"),
    N_("this action needs one of the roles 'analyst', 'reviewer'"),
)

# Refusals the services word with values in them: the pattern of the English text, and the
# message (with the same names as placeholders) the catalogues translate.
REFUSAL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^every question must be answered, (?P<count>\d+) unanswered \(.*\)$"),
        N_("every question must be answered: %(count)s unanswered"),
    ),
    (
        re.compile(
            r"^'(?P<value>.*)' is not a number(?: \(use a point as the decimal separator\))?$"
        ),
        N_("'%(value)s' is not a number"),
    ),
    (
        re.compile(r"^'(?P<value>.*)' is not an e-mail address \(e\.g\. name@example\.org\)$"),
        N_("'%(value)s' is not an e-mail address (e.g. name@example.org)"),
    ),
    (
        re.compile(r"^expected (?P<expected>\d+) values?, got (?P<got>\d+)$"),
        N_("expected %(expected)s values, got %(got)s"),
    ),
    (
        re.compile(
            r"^(?P<received>.+?) received, (?P<required>.+?) required \(.*\)\. "
            r"To accept fewer, decide it: accept_insufficient_quantity with a reason$"
        ),
        N_(
            "%(received)s received, %(required)s required (the test plan and a retained part "
            "for two re-analyses). To accept fewer, tick the decision and give a reason."
        ),
    ),
    (
        re.compile(
            r"^required for a sample kept at (?P<conditions>.+): give the temperature measured "
            r"on arrival in °C$"
        ),
        N_(
            "required for a sample kept at %(conditions)s: give the temperature measured on arrival in °C"
        ),
    ),
    (
        re.compile(r"^must be a whole number of days from 1 to 365 \(got (?P<got>-?\d+)\)$"),
        N_("must be a whole number of days from 1 to 365 (got %(got)s)"),
    ),
    (
        re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2}) is already listed \((?P<name>.*)\)$"),
        N_("%(date)s is already listed (%(name)s)"),
    ),
)
# The refusals of gating (services.testing.resources), field by field.
REFUSAL_PATTERNS += (
    (
        re.compile(r"^(?P<analyst>\S+) has no qualification for (?P<technique>.+)$"),
        N_("%(analyst)s has no qualification for %(technique)s"),
    ),
    (
        re.compile(
            r"^(?P<analyst>\S+)'s qualification for (?P<technique>.+) expired on (?P<day>\S+) "
            r"\(training record (?P<record>.+)\)$"
        ),
        N_(
            "the qualification of %(analyst)s for %(technique)s expired on %(day)s "
            "(training record %(record)s)"
        ),
    ),
    (
        re.compile(r"^an instrument is required for (?P<technique>.+)$"),
        N_("an instrument is required for %(technique)s"),
    ),
    (
        re.compile(r"^unknown instrument '(?P<code>.*)'$"),
        N_("unknown instrument '%(code)s'"),
    ),
    (
        re.compile(r"^(?P<code>\S+) is out of service \((?P<why>.*)\)$"),
        N_("%(code)s is out of service (%(why)s)"),
    ),
    (
        re.compile(
            r"^(?P<code>\S+) is not used for (?P<technique>.+) \(it serves (?P<serves>.+)\)$"
        ),
        N_("%(code)s is not used for %(technique)s (it serves %(serves)s)"),
    ),
    (
        re.compile(r"^(?P<code>\S+)'s calibration was due on (?P<day>\S+)$"),
        N_("the calibration of %(code)s was due on %(day)s"),
    ),
    (
        re.compile(r"^reference standard (?P<name>.+) lot (?P<lot>\S+) expired on (?P<day>\S+)$"),
        N_("reference standard %(name)s lot %(lot)s expired on %(day)s"),
    ),
    (
        re.compile(r"^reagent (?P<name>.+) lot (?P<lot>\S+) expired on (?P<day>\S+)$"),
        N_("reagent %(name)s lot %(lot)s expired on %(day)s"),
    ),
)
# The refusals of an attached file.
REFUSAL_PATTERNS += (
    (re.compile(r"^at most (?P<mb>\d+) MB$"), N_("at most %(mb)s MB")),
    (re.compile(r"^at most (?P<count>\d+) characters$"), N_("at most %(count)s characters")),
    (
        re.compile(r"^(?P<type>\S+) is not accepted \((?P<allowed>.*)\)$"),
        N_("the type %(type)s is not accepted (accepted: %(allowed)s)"),
    ),
)
_FIELD_PART = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.DOTALL)
