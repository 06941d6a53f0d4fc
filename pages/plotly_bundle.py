"""Which plotly.js the site serves, and the checks that make a partial bundle safe.

The site prefers npm's cartesian bundle (1.5 MB instead of 4.8 MB; `make` installs it
with `npm ci`). A trace type missing from a partial bundle fails *silently* in the
browser, so the build checks every trace type the charts use, and that the bundle is
the same plotly.js version as the Python package's. Without npm the full bundle that
ships inside the Python package is used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PARTIAL = Path("node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js")
VERSION = re.compile(rb"plotly\.js(?: \([^)]*\))? v(\d+\.\d+\.\d+)")
TRACE = re.compile(rb'moduleType:"trace",name:"([a-z0-9]+)"')


class BundleError(Exception):
    pass


@dataclass(frozen=True)
class Bundle:
    path: Path
    version: str
    traces: frozenset[str]
    partial: bool


def _read(path: Path, partial: bool) -> Bundle:
    blob = path.read_bytes()
    version = VERSION.search(blob[:400])
    if not version:
        raise BundleError(f"{path}: no plotly.js version in its header")
    return Bundle(path, version.group(1).decode(), frozenset(t.decode() for t in TRACE.findall(blob)), partial)


def full_bundle() -> Bundle:
    import plotly

    return _read(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", partial=False)


def choose(root: Path) -> Bundle:
    """The partial bundle when installed and matching the Python package, else the full one."""
    full = full_bundle()
    partial_path = root / PARTIAL
    if not partial_path.is_file():
        return full
    partial = _read(partial_path, partial=True)
    if partial.version != full.version:
        raise BundleError(
            f"{partial_path} is plotly.js {partial.version} but the Python plotly package uses {full.version}: "
            f'set "plotly.js-cartesian-dist-min": "{full.version}" in package.json and run `npm ci`'
        )
    return partial


def used_trace_types(generated: Path, remembered: Path | None = None) -> dict[str, set[str]]:
    """Trace type -> the charts (generator/name) that use it. With ``remembered`` (a JSON
    file), each chart's trace types are kept there by the chart file's content hash, so a
    build reads the charts (megabytes of JSON) without parsing them."""
    from engine import atomic
    from engine.fingerprint import file_digest

    try:
        known = json.loads(remembered.read_text(encoding="utf-8")) if remembered else {}
    except (OSError, ValueError):
        known = {}
    before = set(known)
    seen: dict[str, list[str]] = {}
    used: dict[str, set[str]] = {}
    for path in sorted(generated.glob("*/*.chart.json")):
        digest = file_digest(path)
        if digest not in known:
            known[digest] = json.loads(path.read_text(encoding="utf-8")).get("trace_types", [])
        seen[digest] = known[digest]
        for trace in known[digest]:
            used.setdefault(trace, set()).add(f"{path.parent.name}/{path.name.removesuffix('.chart.json')}")
    if remembered is not None and seen.keys() != before:
        try:
            atomic.write_text(remembered, json.dumps(seen, sort_keys=True))  # only the charts there are now
        except OSError:
            pass  # a read-only checkout: parse them every time
    return used


def check_traces(bundle: Bundle, used: dict[str, set[str]]) -> None:
    missing = {trace: charts for trace, charts in used.items() if trace not in bundle.traces}
    if missing:
        detail = "; ".join(f"{t} (used by {', '.join(sorted(c))})" for t, c in sorted(missing.items()))
        raise BundleError(f"{bundle.path} lacks trace types the charts use: {detail}")
