"""Validate a CIN census XML file with the DfE's own rules (``csc-validator-be-cin``).

    .venv-cin/bin/python scripts/cin_validate.py FILE.xml [--year 2027] [--strict] [--detail]

Runs in its own environment (``.venv-cin``, made by ``scripts/bootstrap.sh
--with-test-services``): the validator pins pandas 1.5 and needs numpy < 2, which the
project's own environment does not share. Prints one line per rule that fired, ``code:
message`` (a query's code ends in Q), then a summary line starting ``#``. Exit code 0: no
error rule fired (queries may have); 1: an error rule fired (with ``--strict``, any rule);
2: the file could not be read, the year has no ruleset, or a rule crashed.

The ruleset is the file's ``Header/CollectionDetails/Year`` (2027 is the 2026-27 census)
unless ``--year`` is given: the validator's own command line defaults to an older one.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import warnings
import xml.etree.ElementTree as ET
from typing import Any

warnings.filterwarnings("ignore")  # pandas' FutureWarnings about the validator's own code

from cin_validator import cin_validator  # noqa: E402
from cin_validator.rules.ruleset_utils import get_year_ruleset  # noqa: E402


def validate(path: str, year: str | None = None) -> tuple[list[dict[str, Any]], list[str], str]:
    """The rules that fired (one entry per location), the rules that crashed, the year."""
    root = ET.parse(path).getroot()
    if year is None:
        year = (root.findtext("Header/CollectionDetails/Year") or "").strip()
    registry = get_year_ruleset(year)
    data = cin_validator.process_data(cin_validator.convert_data(root))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # a crashing rule is only printed
        checked = cin_validator.CinValidator(data, registry, selected_rules=None)
    crashed = re.findall(r"^Error with rule (\S+): (.*)$", printed.getvalue(), re.M)

    def kind(code: object) -> str:
        rule = registry.get(str(code))
        return rule.rule_type.name if rule else "ERROR"

    found = [
        {"code": str(r["rule_code"]), "message": r["rule_description"], "kind": kind(r["rule_code"]),
         "child": r.get("child_id"), "where": f"{r.get('tables_affected')}.{r.get('columns_affected')}"}
        for r in checked.full_issue_df.to_dict("records")
    ]  # fmt: skip
    found += [
        {"code": str(r["rule_code"]), "message": r["rule_description"],
         "kind": kind(r["rule_code"]), "child": None, "where": "return"}
        for r in checked.multichild_issues.to_dict("records")
    ]  # fmt: skip
    return found, [f"{code}: {error}" for code, error in crashed], year


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--year", help="collection year, such as 2027 (default: the file's)")
    parser.add_argument("--strict", action="store_true", help="queries fail too")
    parser.add_argument("--detail", action="store_true", help="list each location")
    args = parser.parse_args(argv)
    try:
        found, crashed, year = validate(args.file, args.year)
    except (ET.ParseError, OSError, ModuleNotFoundError, ValueError) as error:
        print(f"cannot validate {args.file}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    first: dict[str, dict[str, Any]] = {}
    for item in found:
        first.setdefault(item["code"], item)
    for code in sorted(first, key=lambda c: (int(re.sub(r"\D", "", c) or 0), c)):
        print(f"{code}: {first[code]['message']}")
        if args.detail:
            for item in found:
                if item["code"] == code and item["child"] is not None:
                    print(f"    child={item['child']} {item['where']}")
    for line in crashed:
        print(f"rule {line}", file=sys.stderr)
    errors = sum(1 for item in first.values() if item["kind"] == "ERROR")
    print(f"# ruleset for {year}: {errors} error rule(s), {len(first) - errors} query rule(s)")
    if crashed:
        return 2
    return 1 if errors or (args.strict and first) else 0


if __name__ == "__main__":
    sys.exit(main())
