"""The time target every lecture's table states: its generators' wall times against a limit."""

from __future__ import annotations

from generators._report_format import target_row


def wall_time_row(target: str, limit: float, seconds: dict[str, float], prefix: str = "", digits: int = 0,
                  cpu: float | None = None) -> list[str]:
    """``target`` (which states ``limit``) against the sum of the generators' wall times, each
    listed by name without ``prefix``; ``cpu`` adds the CPU seconds."""
    total = sum(seconds.values())
    each = ", ".join(f"{name.removeprefix(prefix)} {s:.{digits}f} s" for name, s in seconds.items())
    cpu_note = "" if cpu is None else f"; {cpu:.0f} CPU seconds"
    return target_row(target, f"{total:.0f} s ({each}){cpu_note}", total <= limit)
