"""Command line of the generators.

    python -m generators [NAME ...] [--force NAME] [--device cpu|cuda] [--threads N] [--list]
    python -m generators new NAME        (a new lecture's skeleton; see engine/scaffold.py)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .contract import GeneratorError
from .params import ParamsError, load_params
from .plan import plan
from .runner import execute, record_current

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["new"]:
        from .scaffold import main as scaffold_main

        return scaffold_main(ROOT, argv[1:])
    parser = argparse.ArgumentParser(prog="python -m generators", description=__doc__)
    parser.add_argument("names", nargs="*", help="generators to bring up to date (default: all)")
    parser.add_argument("--force", action="append", default=[], metavar="NAME", help="re-run NAME even if current")
    parser.add_argument("--device", choices=["cpu", "cuda"], help="override the params file's device")
    parser.add_argument("--threads", type=int, help="override the params file's torch thread count")
    parser.add_argument("--list", action="store_true", help="list generators and whether each is current")
    parser.add_argument("--verbose", "-v", action="store_true", help="show tracebacks of failures")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s", stream=sys.stderr
    )
    log = logging.getLogger("generators")
    try:
        params = load_params(ROOT, device=args.device, threads=args.threads)
        steps = plan(ROOT, params, only=args.names or None, force=args.force)
    except (ParamsError, ValueError, FileNotFoundError, SyntaxError) as exc:
        log.error("error: %s", exc)
        return 2
    if args.list:
        for step in steps:
            state = "current"
            if step.stale:
                state = f"stale ({step.reason})"
            elif step.redraw:
                state = "charts to redraw"
            print(f"{step.name:22} {state:28} {step.decl.doc}")
        return 0
    record_current(ROOT, steps)
    if not any(step.pending for step in steps):
        log.info("generators: all %d current", len(steps))
        return 0
    try:
        failed = execute(ROOT, steps, params)
    except GeneratorError as exc:
        log.error("error: %s", exc)
        return 1
    if failed:
        log.error(
            "\ngenerators failed: %s (details above; their previous outputs are kept; -v shows tracebacks)",
            ", ".join(failed),
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
