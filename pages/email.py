"""``make email``: one self-contained HTML file per lecture, for email and LMS uploads.

    python -m pages.email [--edition student|instructor] [--out dist/email]

Writes ``dist/email/<lecture>.html`` for every lecture (a top-level folder of the docs
folder, except assets/ and generated/), and ``course.html`` with every lecture when it
fits the budget. Each file opens from a download folder with no network: every
stylesheet, script, image and plotly.js is inside it. The edition comes from
``--edition``, else ``EDITION``, else student; links to other lectures go to ``site_url``
(``SITE_URL``) when it is set, and are plain text otherwise.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from . import editions
from .components import make_environment
from .email_document import assemble
from .inline_assets import InlineError
from .lectures import find_lectures
from .notices import build_info
from .offline_build import OfflineBuildError, build_offline_site, load_config

log = logging.getLogger("pages.email")
ROOT = Path(__file__).resolve().parent.parent
BUDGET_BYTES = 6_000_000
COURSE = "course"


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.2f} MB"


def _write(path: Path, html: str) -> int:
    data = html.encode("utf-8")
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)
    return len(data)


def build_email(root: Path, out_dir: Path, edition: str = "student", site_url: str | None = None) -> dict[str, int]:
    """Write the email files of ``edition`` into ``out_dir`` (which this export owns: its
    old ``*.html`` files are removed) and return the size in bytes of each file written,
    keyed by lecture name (``"course"`` for the whole course, when it fits the budget)."""
    config = load_config(root)
    site_url = (config.get("site_url") or None) if site_url is None else site_url
    env = make_environment(root / "templates")
    build = build_info(root, edition)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.html"):
        old.unlink()
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="email-site-") as tmp:
        log.info("email: building the %s edition for file:// ...", edition)
        site = build_offline_site(root, edition, Path(tmp) / "site", site_url)
        lectures, empty = find_lectures(root / config.get("docs_dir", "docs"), site)
        for folder in empty:
            log.info("email: %s skipped: no pages in the %s edition", folder, edition)
        for lecture in lectures:
            log.info("email: %s (%d pages) ...", lecture.name, len(lecture.pages))
            html = assemble([lecture], site, env, build, site_url)
            sizes[lecture.name] = _write(out_dir / f"{lecture.name}.html", html)
        if lectures:
            course = assemble(lectures, site, env, build, site_url, title=config.get("site_name"))
            if len(course.encode("utf-8")) <= BUDGET_BYTES:
                sizes[COURSE] = _write(out_dir / f"{COURSE}.html", course)
            else:
                log.info("email: course.html skipped: all lectures together are %s, over the %s budget",
                         megabytes(len(course.encode("utf-8"))), megabytes(BUDGET_BYTES))
    return sizes


def report(sizes: dict[str, int], out_dir: Path) -> list[str]:
    """Print each file's size; return the files over budget."""
    over = []
    for name, size in sizes.items():
        flag = "" if size <= BUDGET_BYTES else f"  OVER the {megabytes(BUDGET_BYTES)} budget"
        print(f"  {out_dir / (name + '.html')}  {megabytes(size)}{flag}")
        if flag:
            over.append(name)
    return over


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pages.email", description=__doc__.split("\n")[0])
    parser.add_argument("--edition", choices=editions.EDITIONS, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "email")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        edition = args.edition or editions.edition_for("build")
        sizes = build_email(ROOT, args.out, edition)
    except (editions.EditionError, OfflineBuildError, InlineError, FileNotFoundError, ValueError) as exc:
        print(f"email: {exc}", file=sys.stderr)
        return 1
    if not sizes:
        print("email: no lectures found (a lecture is a top-level folder of the docs folder)")
        return 0
    print(f"email: {len(sizes)} file(s), {edition} edition:")
    over = report(sizes, args.out)
    if over:
        print(f"email: {', '.join(over)} over budget; move large charts to another lecture or page", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
