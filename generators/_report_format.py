"""How generators format tokens, scores and target rows for their tables and charts."""

from __future__ import annotations

TARGET_COLUMNS = ["target", "reached in this build", "met"]


def visible(token: str) -> str:
    """A token as a chart label: spaces and newlines would be invisible."""
    return {" ": "␣ (space)", "\n": "↵ (newline)"}.get(token, token)


def shown(x: float) -> float:
    """A score as a table shows it: three significant digits."""
    return float(f"{x:.3g}")


def four_digits(x: float) -> float:
    """A figure of the fine-tuning lecture's charts and tables: four significant digits.

    Not engine.rounding.rounded(x, 4): that maps NaN and infinity to None and leaves ints as they
    are, where this always gives a float (a diverged run's loss stays NaN in the chart data)."""
    return float(f"{x:.4g}")


def target_row(target: str, reached: str, met: bool) -> list[str]:
    return [target, reached, "yes" if met else "NO"]


def tally(rows: list[list[str]]) -> tuple[int, list[str]]:
    """Of target rows (as target_row makes them): how many are met, and each missed one as "target: reached"."""
    met = sum(row[2] == "yes" for row in rows)
    missed = [f"{row[0]}: {row[1]}" for row in rows if row[2] != "yes"]
    return met, missed
