"""``python -m generators new NAME``: the skeleton of a new lecture, working as created.

It writes a model, a generator with a chart and a summary, the generator's section of
params.yaml (with comments) and of tests/tiny_params.yaml, two pages (one instructor-only)
that use metric_card, chart, qa and code_walkthrough, a test, and the lecture's nav title.
It refuses a name that is taken. The README's "Add a lecture" checklist walks through
what to change next.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from . import atomic
from .params import params_path

NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
TEMPLATES = Path(__file__).parent / "scaffold_templates"


class ScaffoldError(Exception):
    pass


def _files(root: Path, name: str) -> tuple[dict[Path, str], str, str, str]:
    folder = name.replace("_", "-")
    title = name.replace("_", " ").capitalize()
    values = {"name": name, "folder": folder, "title": title, "Name": "".join(p.title() for p in name.split("_"))}

    def fill(template: str) -> str:
        text = (TEMPLATES / template).read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace(f"@{key}@", value)
        return text

    return {
        root / "models" / f"{name}.py": fill("model.py.txt"),
        root / "generators" / f"{name}.py": fill("generator.py.txt"),
        root / "site_src" / folder / "01-overview.md": fill("overview.md.txt"),
        root / "site_src" / folder / "02-lesson-plan.md": fill("lesson-plan.md.txt"),
        root / "tests" / "generators" / f"test_{name}.py": fill("test.py.txt"),
    }, fill("params.yaml.txt"), fill("tiny_params.yaml.txt"), f"    {folder}: {title}\n"


def _append_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8")
    atomic.write_text(path, text.rstrip("\n") + "\n\n" + section)


def _add_nav_title(mkdocs_yml: Path, line: str) -> None:
    text = mkdocs_yml.read_text(encoding="utf-8")
    marker = "  section_titles:\n"
    if marker not in text:
        return  # optional: without it MkDocs titles the section from the folder name
    start = text.index(marker) + len(marker)
    end = start
    while end < len(text) and text.startswith("    ", end):
        end = text.index("\n", end) + 1
    atomic.write_text(mkdocs_yml, text[:end] + line + text[end:])


def create(root: Path, name: str) -> list[Path]:
    if not NAME.match(name):
        raise ScaffoldError(f"{name!r}: a lecture name is lower-case letters, digits and '_' (e.g. optimizers)")
    files, params_section, tiny_section, nav = _files(root, name)
    taken = [p for p in files if p.exists()] + [p for p in (root / "site_src" / name.replace("_", "-"),) if p.exists()]
    params_file = params_path(root)
    if re.search(rf"^  {name}:\s*$", params_file.read_text(encoding="utf-8"), re.M):
        taken.append(params_file)
    if taken:
        shown = ", ".join(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in taken)
        raise ScaffoldError(f"{name!r} is taken: {shown} already exist(s); choose another name")
    for path, text in files.items():
        atomic.write_text(path, text)
    _append_section(params_file, params_section)
    _append_section(root / "tests" / "tiny_params.yaml", tiny_section)
    _add_nav_title(root / "mkdocs.yml", nav)
    return [*files, params_file, root / "tests" / "tiny_params.yaml", root / "mkdocs.yml"]


def main(root: Path, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m generators new", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="the lecture's name: lower-case letters, digits and '_' (e.g. optimizers)")
    args = parser.parse_args(argv)
    try:
        written = create(root, args.name)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"  wrote {path.relative_to(root)}")
    folder = args.name.replace("_", "-")
    print(f"\nNext: `make serve` and open http://127.0.0.1:8000/{folder}/ ; run its test with\n"
          f"  .venv/bin/pytest tests/generators/test_{args.name}.py\n"
          "then follow the README's 'Add a lecture' checklist.")
    return 0
