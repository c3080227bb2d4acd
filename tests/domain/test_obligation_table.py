"""docs/rules.md §11, the table of every obligation the five procedures state: each row names
a rule the rulebook knows, says yes, partly or no, gives the procedure's own reason for a
"no", and cites tests that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHORT = {
    "duties": "test_duties.py",
    "false": "test_false_escalations.py",
    "times": "test_timescales.py",
    "valid": "test_validation.py",
    "ladder": "test_ladder.py",
    "booked": "test_booked_review.py",
    "run": "test_run_to_time.py",
}
RULE = re.compile(r"R-(?:LC|T|M|P|V|E|G)\d+a?")


def rows() -> list[list[str]]:
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    table = text.split("## 11. Every obligation of the five procedures", 1)[1]
    found = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        header = cells[0].startswith("§ (") or set(cells[0]) == {"-"}
        if line.startswith("| ") and len(cells) == 5 and not header:
            found.append(cells)
    return found


def defined_tests() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for short, file in SHORT.items():
        tree = ast.parse((REPO / "tests" / "domain" / file).read_text(encoding="utf-8"))
        names[short] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return names


def test_the_table_has_a_row_for_each_obligation_of_every_procedure() -> None:
    table = rows()
    assert len(table) >= 70
    for cells in table:
        _, obligation, rule, enforced, _ = cells
        assert obligation, cells
        assert re.match(r"(yes|partly|no)\b", enforced), cells
        assert rule == "none" or RULE.search(rule), cells


def test_every_no_gives_the_procedures_own_reason_and_every_yes_a_test() -> None:
    for cells in rows():
        _, _, _, enforced, shown = cells
        if enforced.startswith("no"):
            assert enforced.startswith("no: ") and len(enforced) > 20, cells
        else:
            assert shown != "none", cells


def test_every_test_the_table_cites_exists() -> None:
    names = defined_tests()
    cited = re.findall(r"`(\w+)::(test_\w+)", (REPO / "docs" / "rules.md").read_text())
    assert cited
    for short, name in cited:
        assert name in names[short], f"{short}::{name}"
