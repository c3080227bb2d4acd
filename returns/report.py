"""The monthly timeliness report: one HTML file, its charts inside it (PNG data URIs), so the
file is the report wherever it is copied. For each measure: what it counts, a chart and a
table of teams by month. Teams and counts only, never a child (R-G1); the file is still
written for its owner only and its writing audited, as every return is (R-G2)."""

from __future__ import annotations

import base64
from datetime import datetime

from jinja2 import Environment

from returns.charts import measure_chart
from returns.timeliness import ALL_TEAMS, MEASURES, Tally, Timeliness

DEFINITIONS = (
    "Each measure counts the obligations of its rules whose due date falls in the month, by "
    "the team of the case, each case under its own profile's timescales. Owed (the "
    "denominator): due in the month and by the report's day, unless the plan ended before "
    "the due date without it being met; one due after the report's day, or due on it and not "
    "yet met, is not yet owed. In time (the numerator): of those, met on or before the due "
    "date. Met late, still outstanding when counted, or outstanding when the plan ended after "
    "its due date: late. Recording counts events instead: each event that happened in the "
    "month, recorded within the profile's limit of working days after its day."
)
NOT_YET = "not yet due"
TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Timeliness {{ figures.start }} to {{ figures.end }}</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 2em; font-size: 0.85em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.all { font-weight: bold; }
img { max-width: 100%; }
p.to-date { background: #fff3cd; border-left: 4px solid #d39e00; padding: 0.5em 1em; }
td.not-yet { color: #888; font-style: italic; }
</style></head><body>
<h1>Timeliness of child protection work</h1>
<p>Obligations due from {{ figures.start }} to {{ figures.end }}; {{ figures.cases }} case(s)
read; generated {{ generated_at }}.{% if figures.skipped %} {{ figures.skipped|length }}
case(s) could not be read and are left out (their histories no longer validate).{% endif %}</p>
{% if figures.to_date %}<p class="to-date"><b>The period has not ended:</b> figures to
{{ figures.known }}. A month marked "to date" is not finished; nothing due after
{{ figures.known }} is counted.</p>{% endif %}
<h2>How each measure is counted</h2>
<p>{{ definitions }}</p>
<ul>{% for m in measures %}
<li><b>{{ m.title }}</b> ({{ m.rules|join(", ") }}): one for {{ m.counts }}.</li>{% endfor %}
</ul>
{% for section in sections %}
<h2 id="{{ section.measure.key }}">{{ section.measure.title }}</h2>
<img class="chart" alt="{{ section.measure.title }}, % in time by month"
     src="data:image/png;base64,{{ section.chart }}">
<table><tr><th>team</th>{% for month in figures.months %}<th>{{ month }}{% if
figures.month_state(month) == "to date" %} (to date){% endif %}</th>{% endfor %}
<th>period{% if figures.to_date %} (to date){% endif %}</th></tr>
{% for row in section.rows %}<tr{% if row.team == all_teams %} class="all"{% endif %}>
<td>{{ row.team }}</td>{% for cell in row.cells %}<td{% if cell == not_yet %}
class="not-yet"{% endif %}>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% endfor %}
</body></html>
"""


def cell(tally: Tally) -> str:
    if not tally.owed:
        return "–"
    return f"{tally.in_time}/{tally.owed} ({tally.percent:.0f}%)"


def render_report(figures: Timeliness, generated_at: datetime) -> str:
    environment = Environment(autoescape=True, keep_trailing_newline=True)
    sections = []
    for measure in MEASURES:
        rows = []
        for team in [*figures.teams, ALL_TEAMS]:
            whose = None if team == ALL_TEAMS else team
            months = [month_cell(figures, measure.key, whose, m) for m in figures.months]
            rows.append({"team": team, "cells": [*months, cell(figures.tally(measure.key, whose))]})
        chart = base64.b64encode(measure_chart(figures, measure)).decode("ascii")
        sections.append({"measure": measure, "chart": chart, "rows": rows})
    return environment.from_string(TEMPLATE).render(
        figures=figures, generated_at=f"{generated_at:%Y-%m-%d %H:%M}", sections=sections,
        measures=MEASURES, definitions=DEFINITIONS, all_teams=ALL_TEAMS, not_yet=NOT_YET,
    )  # fmt: skip


def month_cell(figures: Timeliness, measure: str, team: str | None, month: str) -> str:
    """A month after the report's day is not yet due: never a 0%."""
    if figures.month_state(month) == "not yet":
        return NOT_YET
    return cell(figures.tally(measure, team, month))
