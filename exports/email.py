"""``make email``: one self-contained HTML file per lecture, for email and LMS uploads.

    python -m exports.email [--edition student|instructor] [--out DIR] [--course] [--course-budget-mb MB]

Writes ``<lecture>.html`` for every lecture (a top-level folder of the docs folder, except
assets/ and generated/) into ``dist/email/`` (student edition) or ``dist/email-instructor/``
(instructor edition; never into dist/email/, so an answer key cannot be sent to students
by mistake). Each file opens from a download folder with no network: every stylesheet,
script, image and plotly.js is inside it.

Budgets: a lecture file over 6 MB (``LIMIT_BYTES``, what mail systems commonly accept)
fails the command; 3 MB (``TARGET_BYTES``) is the size every lecture aims for, and a file
over it is named but does not fail. ``course.html`` (every lecture in one file) is written
only with ``--course`` (``make email COURSE=1``), within its own budget, 12 MB unless
``--course-budget-mb`` (``COURSE_BUDGET_MB=...``) raises it.

The edition comes from ``--edition``, else ``EDITION``, else student; links to other
lectures go to ``site_url`` (``SITE_URL``) when it is set, and are plain text otherwise.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pages import editions
from pages.components import make_environment

from .email_document import assemble
from .inline_assets import InlineError
from .lectures import find_lectures
from .notices import build_info
from .offline_build import OfflineBuildError, build_offline_site, load_config

log = logging.getLogger("exports.email")
ROOT = Path(__file__).resolve().parent.parent
LIMIT_BYTES = 6_000_000
TARGET_BYTES = 3_000_000
COURSE_BUDGET_BYTES = 12_000_000
BUDGET_BYTES = LIMIT_BYTES  # the hard limit, under its older name (benchmarks/email.py)
COURSE = "course"
OUT_DIRS = {"student": Path("dist") / "email", "instructor": Path("dist") / "email-instructor"}


@dataclass(frozen=True)
class Budget:
    limit: int
    """Over this, ``make email`` fails."""
    target: int | None = None
    """Over this, the file is named in the report, and the command still succeeds."""

    def verdict(self, size: int) -> str:
        if size > self.limit:
            return f"OVER the {megabytes(self.limit)} limit"
        if self.target is not None and size > self.target:
            return f"over the {megabytes(self.target)} target"
        return "ok"


LECTURE_BUDGET = Budget(LIMIT_BYTES, TARGET_BYTES)


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.2f} MB"


def _write(path: Path, html: str) -> int:
    data = html.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the new files from ``staging`` into ``out_dir`` and remove the old ``*.html`` that
    were not rebuilt. Only called once every file is written, so a failed export keeps the
    last good files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    new = {p.name for p in staging.glob("*.html")}
    for old in out_dir.glob("*.html"):
        if old.name not in new:
            old.unlink()
    for name in sorted(new):
        (staging / name).replace(out_dir / name)


def build_email(root: Path, out_dir: Path, edition: str = "student", site_url: str | None = None,
                course: bool = False, course_budget: int = COURSE_BUDGET_BYTES) -> dict[str, int]:
    """Write the email files of ``edition`` into ``out_dir`` (which this export owns: its
    old ``*.html`` files are replaced, and only once every new file is ready) and return the
    size in bytes of each file, keyed by lecture name; with ``course``, also ``"course"``
    (every lecture in one file), which is written only if it fits ``course_budget``."""
    config = load_config(root)
    site_url = (config.get("site_url") or None) if site_url is None else site_url
    env = make_environment(root / "templates")
    build = build_info(root, edition)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    sizes: dict[str, int] = {}
    with (tempfile.TemporaryDirectory(prefix="email-site-") as tmp,
          tempfile.TemporaryDirectory(prefix=f".{out_dir.name}-", dir=out_dir.parent) as staging):
        log.info("email: building the %s edition for file:// ...", edition)
        site = build_offline_site(root, edition, Path(tmp) / "site", site_url)
        lectures, empty = find_lectures(root / config.get("docs_dir", "docs"), site)
        for folder in empty:
            log.info("email: %s skipped: no pages in the %s edition", folder, edition)
        for lecture in lectures:
            log.info("email: %s (%d pages) ...", lecture.name, len(lecture.pages))
            html = assemble([lecture], site, env, build, site_url)
            sizes[lecture.name] = _write(Path(staging) / f"{lecture.name}.html", html)
        if course and lectures:
            html = assemble(lectures, site, env, build, site_url, title=config.get("site_name"))
            size = len(html.encode("utf-8"))
            sizes[COURSE] = size if size > course_budget else _write(Path(staging) / f"{COURSE}.html", html)
        _publish(Path(staging), out_dir)
    return sizes


def report(sizes: dict[str, int], out_dir: Path, course_budget: int = COURSE_BUDGET_BYTES) -> list[str]:
    """Print each file's size against its budget; return the files over their hard limit.
    course.html over its budget was not written, and the line says how to raise it."""
    over = []
    for name, size in sizes.items():
        budget = Budget(course_budget) if name == COURSE else LECTURE_BUDGET
        target = f"target {megabytes(budget.target)}, " if budget.target else ""
        verdict = budget.verdict(size)
        if name == COURSE and size > budget.limit:
            verdict += ", so it was not written; raise it with COURSE_BUDGET_MB=... (make) or --course-budget-mb"
        print(f"  {out_dir / (name + '.html')}  {megabytes(size)}  ({target}limit {megabytes(budget.limit)}): "
              f"{verdict}")
        if size > budget.limit:
            over.append(name)
    return over


def out_dir_for(edition: str, out: Path | None, root: Path = ROOT) -> Path:
    """Where ``edition``'s files go: ``out``, else its own folder; never the instructor
    edition into the students' folder."""
    out_dir = out or root / OUT_DIRS[edition]
    if edition == "instructor" and out_dir.resolve() == (root / OUT_DIRS["student"]).resolve():
        raise ValueError(f"the instructor edition never goes to {OUT_DIRS['student']}/ (the students' folder)")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exports.email", description=__doc__.split("\n")[0])
    parser.add_argument("--edition", choices=editions.EDITIONS, default=None)
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: dist/email, or dist/email-instructor for the instructor edition)")
    parser.add_argument("--course", action="store_true", help="also write course.html, every lecture in one file")
    parser.add_argument("--course-budget-mb", type=float, default=COURSE_BUDGET_BYTES / 1_000_000,
                        help="course.html's budget in MB (default %(default)g)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    course_budget = int(args.course_budget_mb * 1_000_000)
    try:
        edition = args.edition or editions.edition_for("build")
        out_dir = out_dir_for(edition, args.out)
        sizes = build_email(ROOT, out_dir, edition, course=args.course, course_budget=course_budget)
    except (editions.EditionError, OfflineBuildError, InlineError, FileNotFoundError, ValueError) as exc:
        print(f"email: {exc}", file=sys.stderr)
        return 1
    if not sizes:
        print("email: no lectures found (a lecture is a top-level folder of the docs folder)")
        return 0
    print(f"email: {len(sizes)} file(s), {edition} edition:")
    over = report(sizes, out_dir, course_budget)
    if over:
        print(f"email: {', '.join(over)} over the limit; move large charts to another lecture or page, "
              "or use fewer panels and points in params.yaml", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
