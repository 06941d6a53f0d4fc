"""The offline build's config: mkdocs.yml without instant navigation and search."""

from __future__ import annotations

from exports.offline_build import load_config, offline_overrides

from ..conftest import ROOT


def test_overrides_drop_instant_navigation_and_search_only():
    config = {
        "theme": {"name": "material", "features": ["navigation.instant", "navigation.instant.prefetch",
                                                   "navigation.sections", "content.code.copy"]},
        "plugins": ["search", {"tags": {}}, {"search": {"lang": "en"}}],
    }
    overrides = offline_overrides(config)
    assert overrides["INHERIT"] == "mkdocs.yml"
    assert overrides["theme"] == {"features": ["navigation.sections", "content.code.copy"]}
    assert overrides["plugins"] == [{"tags": {}}]


def test_the_project_config_loads_with_its_env_tags(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://x.example/course/")
    config = load_config(ROOT)
    assert config["site_url"] == "https://x.example/course/"
    assert "navigation.instant" in config["theme"]["features"]
    assert "navigation.instant" not in offline_overrides(config)["theme"]["features"]
