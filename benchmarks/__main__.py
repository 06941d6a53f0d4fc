"""Run the benchmarks: ``python -m benchmarks [build] [weight] [browser] [quality] [email] [--no-cold]``."""

from __future__ import annotations

import argparse
import importlib

ALL = ("build", "scale", "weight", "browser", "quality", "email", "lighthouse")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", choices=[*ALL, []], help="benchmarks to run (default: all)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold build (it trains every model)")
    args = parser.parse_args()
    for name in args.names or ALL:
        print(f"benchmark {name} ...", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        module.main(cold=not args.no_cold) if name == "build" else module.main()


if __name__ == "__main__":
    main()
