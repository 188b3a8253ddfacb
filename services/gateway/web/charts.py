"""The dashboard's charts as SVG, drawn on the server by pygal from the KPI tables: inline in the
page, no script (pygal's tooltips need a JavaScript file we do not serve), labels translated."""

import re
from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import Style

from services.gateway.kpi_figures import Table
from services.gateway.web.i18n import Lang

_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="system-ui, sans-serif",
    colors=("#1f5fa8", "#2e8b57", "#c77c02", "#8e44ad", "#b3261e", "#16808a", "#555555"),
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
# The longest bar charts: the products and manufacturers most often non-compliant.
TOP = 10


def _config(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "style": _STYLE,
        "js": (),  # no script: the SVG is a picture, the table under it has the figures
        "disable_xml_declaration": True,
        "width": 760,
        "height": 320,
        "legend_at_bottom": True,
        "print_values": False,
        "show_y_guides": True,
        "explicit_size": False,
        **extra,
    }


def _svg(chart: Any) -> str:
    rendered: str = chart.render(is_unicode=True)
    # pygal still writes its tooltips' configuration as an inline script: nothing reads it.
    return _SCRIPT.sub("", rendered)


def _column(table: Table, name: str) -> list[Any]:
    index = table.columns.index(name)
    return [row[index] for row in table.rows]


def _words(lang: Lang, values: Sequence[Any]) -> list[str]:
    return [lang.gettext(str(value).replace("_", " ")) for value in values]


def monthly(table: Table, lang: Lang) -> str:
    """Received and released per month, side by side."""
    chart = pygal.Bar(**_config(lang.gettext("Samples received and released per month")))
    chart.x_labels = _column(table, "month")
    chart.add(lang.gettext("Received"), _column(table, "received"))
    chart.add(lang.gettext("Released"), _column(table, "released"))
    return _svg(chart)


def turnaround(table: Table, lang: Lang) -> str:
    """How many samples took how many days, one series per purpose."""
    classes = [c for c in table.columns if c.endswith(" d")]
    chart = pygal.Bar(**_config(lang.gettext("Turnaround distribution (days)")))
    chart.x_labels = [c[:-2] for c in classes]
    for row in table.rows:
        values = [row[table.columns.index(c)] for c in classes]
        chart.add(_words(lang, [row[0]])[0], values)
    return _svg(chart)


def compliance(table: Table, lang: Lang) -> str:
    """SLA compliance per purpose, in percent."""
    chart = pygal.HorizontalBar(
        **_config(lang.gettext("Released within the turnaround target (%)"), range=(0, 100))
    )
    for row in table.rows:
        value = row[table.columns.index("sla_compliance_pct")]
        chart.add(_words(lang, [row[0]])[0], [value])
    return _svg(chart)


def backlog(table: Table, lang: Lang) -> str:
    """Samples per stage now."""
    chart = pygal.Bar(**_config(lang.gettext("Backlog per stage"), show_legend=False))
    chart.x_labels = _words(lang, _column(table, "stage"))
    chart.add(lang.gettext("Samples"), _column(table, "samples"))
    return _svg(chart)


def oos(table: Table, lang: Lang) -> str:
    """OOS investigations per 100 results, per month."""
    months = [row for row in table.rows if row[0] != "total"]
    chart = pygal.Line(**_config(lang.gettext("OOS rate (%)"), show_legend=False))
    chart.x_labels = [row[0] for row in months]
    chart.add(lang.gettext("OOS rate (%)"), [row[3] for row in months])
    return _svg(chart)


def non_compliance(table: Table, lang: Lang, title: str) -> str:
    """The TOP groups by non-compliance rate (then by samples released)."""
    label = table.columns.index("product" if "product" in table.columns else "manufacturer")
    rate = table.columns.index("non_compliance_pct")
    released = table.columns.index("released")
    rows = sorted(table.rows, key=lambda r: (-float(r[rate] or 0), -int(r[released] or 0)))[:TOP]
    chart = pygal.HorizontalBar(**_config(title, range=(0, 100), show_legend=False))
    chart.x_labels = [str(row[label]) for row in rows]
    chart.add(lang.gettext("Non-compliance rate (%)"), [row[rate] for row in rows])
    return _svg(chart)
