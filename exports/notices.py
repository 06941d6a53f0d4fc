"""What an exported file says about itself: edition, build date, commit, and the licence
notices of the third-party code inlined in it (read from the installed packages, so they
always match the copies that were inlined)."""

from __future__ import annotations

import datetime
import re
import subprocess
from importlib import metadata
from pathlib import Path

import material

ROOT = Path(__file__).resolve().parent.parent


def plotly_js_path() -> Path:
    """The plotly.js the site serves (npm's cartesian bundle where installed): the email
    files inline the same one."""
    from pages.plotly_bundle import choose

    return choose(ROOT).path
MATERIAL_ICONS_LICENCE = Path(material.__file__).parent / "templates" / ".icons" / "material" / "LICENSE"


def git_commit(root: Path) -> str:
    """The short hash of HEAD (``+modified`` if tracked files changed), or ``uncommitted``."""
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel")).resolve()
        if top != root.resolve():
            return "uncommitted"
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "uncommitted"
    return f"{commit}+modified" if dirty else commit


def build_info(root: Path, edition: str) -> dict[str, str]:
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    return {"edition": edition, "date": today, "commit": git_commit(root)}


def _licence_file(distribution: str) -> str:
    files = metadata.files(distribution) or []
    for file in files:
        if re.search(r"licen[cs]e", file.name, re.IGNORECASE) and ".dist-info" in str(file):
            return file.read_text(encoding="utf-8").strip()
    raise FileNotFoundError(f"no licence file in the installed {distribution} package")


def plotly_js_header() -> str:
    """The bundle's own header comment: name, version, copyright and licence."""
    match = re.match(r"\s*/\*\*?(.*?)\*/", plotly_js_path().read_text(encoding="utf-8")[:2000], re.DOTALL)
    return "\n".join(line.strip(" *") for line in match.group(1).strip().splitlines()) if match else ""


def plotly_js_version() -> str:
    match = re.search(r"plotly\.js(?: \([^)]*\))? v([\w.\-]+)", plotly_js_header())
    return match.group(1) if match else ""


def third_party_notices(with_plotly: bool) -> list[dict[str, str]]:
    """Notices for what an exported page inlines: Material's CSS, JS and icons, and plotly.js."""
    notices = [
        {"name": "Material for MkDocs", "version": metadata.version("mkdocs-material"), "licence": "MIT",
         "text": _licence_file("mkdocs-material")},
        {"name": "Material Design Icons", "version": "", "licence": "Pictogrammers Free License, Apache 2.0",
         "text": MATERIAL_ICONS_LICENCE.read_text(encoding="utf-8").strip()},
    ]
    if with_plotly:
        # plotly.js is MIT, by the same copyright holder as the Python package that ships it;
        # the bundle's own header (kept in the inlined copy) says so too.
        notices.append({"name": "plotly.js", "version": plotly_js_version(), "licence": "MIT",
                        "text": f"{plotly_js_header()}\n\n{_licence_file('plotly')}"})
    return notices
