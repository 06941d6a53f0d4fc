"""How generators format tokens, scores and target rows for their tables and charts."""

from __future__ import annotations

TARGET_COLUMNS = ["target", "reached in this build", "met"]


def visible(token: str) -> str:
    """A token as a chart label: spaces and newlines would be invisible."""
    return {" ": "␣ (space)", "\n": "↵ (newline)"}.get(token, token)


def shown(x: float) -> float:
    """A score as a table shows it: three significant digits."""
    return float(f"{x:.3g}")


def target_row(target: str, reached: str, met: bool) -> list[str]:
    return [target, reached, "yes" if met else "NO"]
