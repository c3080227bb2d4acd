"""The timeliness report's charts: for each measure, the share met in time per month, a line
per team and a bold one for all teams, each month labelled with its n (how many were owed,
all teams) and a month not finished marked "to date". PNG from matplotlib's Agg canvas (no
display, no pyplot state shared between calls); teams and counts only, never a child (R-G1)."""

from __future__ import annotations

import io
import math

from returns.timeliness import ALL_TEAMS, Measure, Timeliness

SIZE = (8.0, 3.2)  # inches, at 100 dpi
DPI = 100


def measure_chart(figures: Timeliness, measure: Measure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    months = figures.months
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for team in [*figures.teams, ALL_TEAMS]:
        whose = None if team == ALL_TEAMS else team
        shares = [figures.tally(measure.key, whose, month).percent for month in months]
        axes.plot(
            range(len(months)),
            [math.nan if share is None else share for share in shares],
            marker="o",
            linewidth=3 if whose is None else 1.2,
            color="black" if whose is None else None,
            label=team,
        )
    axes.set_xticks(range(len(months)), [_label(figures, measure, m) for m in months], fontsize=7)
    axes.set_ylim(0, 105)
    axes.set_ylabel("% in time")
    axes.set_title(measure.title, fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    total = figures.tally(measure.key)
    axes.set_xlabel(f"n = {total.owed} owed in the period{' to date' if figures.to_date else ''}")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _label(figures: Timeliness, measure: Measure, month: str) -> str:
    state = figures.month_state(month)
    if state == "not yet":
        return f"{month}\nnot yet"
    n = figures.tally(measure.key, month=month).owed
    return f"{month}\nn={n}" + ("\nto date" if state == "to date" else "")
