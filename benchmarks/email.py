"""Size of each lecture's email file against the 6 MB budget, in both editions."""

from __future__ import annotations

import tempfile
from pathlib import Path

from exports.email import BUDGET_BYTES, build_email

from .record import ROOT, write


def main() -> None:
    results = {}
    for edition in ("student", "instructor"):
        with tempfile.TemporaryDirectory() as tmp:
            sizes = build_email(ROOT, Path(tmp), edition)
        results[edition] = {
            name: {"bytes": size, "within_budget": size <= BUDGET_BYTES} for name, size in sizes.items()
        }
    write("email", {"budget_bytes": BUDGET_BYTES, "files": results})
    for edition, files in results.items():
        for name, info in files.items():
            print(f"  {edition} {name}: {info['bytes'] / 1e6:.2f} MB{'' if info['within_budget'] else ' OVER BUDGET'}")
