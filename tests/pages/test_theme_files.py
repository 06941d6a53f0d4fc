"""The faster listing of the theme's static files gives MkDocs' own result."""

from __future__ import annotations

import os

from mkdocs.config import load_config
from mkdocs.structure.files import Files

from pages import theme_files

from ..conftest import ROOT


def test_theme_files_are_the_ones_mkdocs_lists(monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.chdir(ROOT)
    config = load_config(str(ROOT / "mkdocs.yml"))
    env = config.theme.get_env()
    theirs, ours = Files([]), Files([])
    mkdocs_own = getattr(Files.add_files_from_theme, "__wrapped__", Files.add_files_from_theme)  # hooks may patch it
    mkdocs_own(theirs, env, config)
    theme_files.add_files_from_theme(ours, env, config)
    listed = sorted((f.src_uri, os.path.normpath(f.abs_src_path)) for f in theirs)
    assert listed == sorted((f.src_uri, os.path.normpath(f.abs_src_path)) for f in ours)
    assert len(listed) > 20 and not any(uri.startswith(".icons/") for uri, _ in listed)


def test_generated_outputs_are_linked_and_other_files_copied(tmp_path):
    from mkdocs import utils

    from pages import site_build

    generated = tmp_path / "site_src" / "generated"
    (generated / "gen").mkdir(parents=True)
    output = generated / "gen" / "loss.svg"
    output.write_text("<svg/>")
    asset = tmp_path / "site_src" / "ig.css"
    asset.write_text("a{}")
    site = tmp_path / "site"
    original = utils.copy_file
    try:
        site_build.link_generated_outputs(generated)
        utils.copy_file(str(output), str(site / "generated/gen/loss.svg"))
        utils.copy_file(str(asset), str(site / "assets/ig.css"))
        (site / "generated/gen/stale.svg").write_text("old")
        utils.copy_file(str(output), str(site / "generated/gen/stale.svg"))  # replaced, not written through
    finally:
        utils.copy_file = original
    assert os.path.samefile(output, site / "generated/gen/loss.svg")
    assert not os.path.samefile(asset, site / "assets/ig.css") and (site / "assets/ig.css").read_text() == "a{}"
    assert os.path.samefile(output, site / "generated/gen/stale.svg") and output.read_text() == "<svg/>"
