"""What a reconciliation found, as a data manager reads it: a CSV of every difference (both
values) and one HTML page, grouped by child, that says what was compared and what to do. The
children are named by the authority's child id and our case reference only (R-G1); the
files are still written for their owner and audited, like every return (R-G2)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime
from itertools import groupby
from typing import BinaryIO

from jinja2 import Environment

from returns.reconcile import Reconciliation

CSV_HEADERS = ("LAchildID", "case", "plan start", "field", "in the extract", "in this record")
TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Census reconciliation {{ found.year.label }}</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: left; }
th { background: #eef; }
td.theirs { background: #fff8e1; } td.ours { background: #e3f2fd; }
p.none { background: #e8f5e9; border-left: 4px solid #2e7d32; padding: 0.5em 1em; }
</style></head><body>
<h1>CIN census {{ found.year.label }}: the authority's extract beside this record</h1>
<p>Extract <code>{{ extract }}</code>, compared {{ generated_at }}: {{ found.children_compared }}
child(ren) with a child protection plan, {{ found.differences|length }} difference(s).</p>
<p>Each row is one field of one child's plan (plans matched by their start date) where the
two disagree, with both values. Put right whichever is wrong, in the case-management system
or here (a correction, R-G3), and run this again until nothing is left.</p>
{% if not found.differences %}<p class="none">No differences: the two agree on every child's
plans, dates, categories, reviews, Section 47 enquiries and closures.</p>{% else %}
<h2>By field</h2>
<table><tr><th>field</th><th>differences</th></tr>
{% for what, n in by_field %}<tr><td>{{ what }}</td><td>{{ n }}</td></tr>{% endfor %}
</table>
<h2>By child</h2>
{% for child, rows in children %}
<h3>{{ child }}{% if rows[0].reference %} (case {{ rows[0].reference }}){% endif %}</h3>
<table><tr><th>plan start</th><th>field</th><th>in the extract</th><th>in this record</th></tr>
{% for row in rows %}<tr><td>{{ row.plan or "the child" }}</td><td>{{ row.what }}</td>
<td class="theirs">{{ row.theirs }}</td><td class="ours">{{ row.ours }}</td></tr>
{% endfor %}</table>
{% endfor %}{% endif %}
</body></html>
"""


def write_csv(found: Reconciliation, out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(CSV_HEADERS)
    for row in found.differences:
        writer.writerow((row.la_child_id, row.reference, row.plan, row.what, row.theirs, row.ours))
    text.flush()
    text.detach()  # the caller owns ``out``


def render_html(found: Reconciliation, extract: str, generated_at: datetime) -> str:
    children = [
        (child, list(rows))
        for child, rows in groupby(found.differences, key=lambda row: row.la_child_id)
    ]
    return Environment(autoescape=True).from_string(TEMPLATE).render(
        found=found, extract=extract, generated_at=f"{generated_at:%Y-%m-%d %H:%M}",
        by_field=sorted(Counter(row.what for row in found.differences).items()),
        children=children,
    )  # fmt: skip
