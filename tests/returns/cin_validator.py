"""The DfE's CIN census validator, run as the sector runs it: ``csc-validator-be-cin`` in its
own environment (``.venv-cin``, made by ``scripts/bootstrap.sh --with-test-services``),
through ``scripts/cin_validate.py``; its ``code: message`` lines parsed here."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv-cin" / "bin" / "python"
SCRIPT = REPO / "scripts" / "cin_validate.py"
# The rules about child protection plans, their reviews and categories of abuse, and the
# Section 47 enquiries and initial conferences (rules-cin2026_27: their tables and fields).
CP_RULES = frozenset(
    {
        "1104",
        "1105",
        "2883",
        "2884",
        "2885",
        "2889",
        "4003",
        "8565",
        "8615",
        "8675Q",
        "8715",
        "8720",
        "8730",
        "8740",
        "8832",
        "8839",
        "8840",
        "8841",
        "8842Q",
        "8868",
        "8870Q",
        "8875",
        "8890",
        "8905",
        "8910",
        "8915",
        "8920",
        "8925",
        "8930",
        "8935",
        "8940",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Findings:
    fired: dict[str, str]  # rule code -> its message
    output: str

    @property
    def errors(self) -> dict[str, str]:
        return {code: text for code, text in self.fired.items() if not code.endswith("Q")}

    @property
    def about_child_protection(self) -> dict[str, str]:
        return {code: text for code, text in self.fired.items() if code in CP_RULES}


def validate(path: Path) -> Findings:
    assert PYTHON.exists(), (
        f"{PYTHON} is missing: the CIN validator's environment is made by "
        "./scripts/bootstrap.sh --with-test-services (make test runs it)"
    )
    done = subprocess.run(
        [str(PYTHON), str(SCRIPT), str(path)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode in (0, 1), f"the validator could not run:\n{done.stderr[-3000:]}"
    fired = dict(re.findall(r"^(\d+Q?): (.*)$", done.stdout, re.M))
    return Findings(fired, done.stdout)
