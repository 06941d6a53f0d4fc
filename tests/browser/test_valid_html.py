"""The Nu Html Checker (npm's vnu-jar, on Debian's Java) finds no error in any page of
either edition or in any email file. ``make test`` installs Java (``make java``); the jar
comes with ``npm ci``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from ..conftest import ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
EDITIONS = ("student", "instructor")


def vnu_errors(files: list[Path], root: Path) -> dict[str, list[str]]:
    """``{file relative to root: ["line N: message", ...]}`` for every file with an error
    (one JVM for all of them)."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.fail(f"the HTML check needs Java and {VNU.relative_to(ROOT)}: run `make test` (installs both)")
    result = subprocess.run([java, "-Xss8m", "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, files)],
                            capture_output=True, text=True, check=False)
    found: dict[str, list[str]] = {}
    for message in json.loads(result.stderr or '{"messages": []}')["messages"]:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            file = Path(unquote(urlsplit(message.get("url", "")).path)).resolve()
            name = file.relative_to(root.resolve()).as_posix() if file.is_relative_to(root.resolve()) else str(file)
            found.setdefault(name, []).append(f"line {message.get('lastLine')}: {message['message']}")
    return found


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_site_page_is_valid_html(lecture_sites, edition):
    _, site = lecture_sites[edition]
    pages = [p for p in sorted(site.rglob("*.html"))
             if not p.relative_to(site).as_posix().startswith(("assets/", "generated/"))]
    assert len(pages) > 3
    assert vnu_errors(pages, site) == {}


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_email_file_is_valid_html(email_files, edition):
    files = list(email_files[edition].values())
    assert vnu_errors(files, files[0].parent) == {}
