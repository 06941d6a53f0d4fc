"""What an exported file says about itself."""

from __future__ import annotations

import re

from exports.notices import build_info, git_commit, plotly_js_version, third_party_notices


def test_outside_a_repository_the_commit_is_uncommitted(tmp_path):
    assert git_commit(tmp_path) == "uncommitted"


def test_build_info_names_edition_and_date(tmp_path):
    info = build_info(tmp_path, "student")
    assert info["edition"] == "student" and re.fullmatch(r"\d{4}-\d\d-\d\d", info["date"])


def test_notices_carry_the_licence_texts_of_what_is_inlined():
    names = [n["name"] for n in third_party_notices(with_plotly=True)]
    assert names == ["Material for MkDocs", "Material Design Icons", "plotly.js"]
    assert [n["name"] for n in third_party_notices(with_plotly=False)] == names[:2]
    for notice in third_party_notices(with_plotly=True):
        assert len(notice["text"]) > 200
    plotly = third_party_notices(with_plotly=True)[2]
    assert plotly["version"] == plotly_js_version() != "" and "Permission is hereby granted" in plotly["text"]
