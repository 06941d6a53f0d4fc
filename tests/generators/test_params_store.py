from __future__ import annotations

import json

import pytest

from generators.params import ParamsError, load_params
from generators.store import LookupFailure, Pending, Store


def write(tmp_path, text):
    (tmp_path / "params.yaml").write_text(text)
    return tmp_path


def test_bad_yaml_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.delenv("IG_PARAMS", raising=False)
    write(tmp_path, "device: cpu\ngenerators:\n  a:\n    x: [1, 2\n  b: {}\n")
    with pytest.raises(ParamsError, match=r"params.yaml:\d+: invalid YAML"):
        load_params(tmp_path)


def test_missing_section_and_bad_device(tmp_path, monkeypatch):
    monkeypatch.delenv("IG_PARAMS", raising=False)
    monkeypatch.delenv("IG_DEVICE", raising=False)
    params = load_params(write(tmp_path, "generators:\n  a:\n    seed: 3\n"))
    assert params.for_generator("a") == {"seed": 3, "device": "cpu", "threads": 2}
    with pytest.raises(ParamsError, match="no section 'generators: b:'"):
        params.for_generator("b")
    with pytest.raises(ParamsError, match="device must be"):
        load_params(write(tmp_path, "device: tpu\ngenerators: {}\n"))
    assert load_params(write(tmp_path, "generators: {}\n"), device="cuda").device == "cuda"


def test_store_reads_summary_nested_and_pending(tmp_path):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "metrics.json").write_text(json.dumps(
        {"summary": {"a": 1}, "real": {"mean_confidence": 0.9}, "rows": [5, 6], "charts": [], "provenance": {}}))
    store = Store(tmp_path, {"g", "later", "broken"}, failed={"broken"})
    assert store.value("g/a") == 1
    assert store.value("g/real.mean_confidence") == 0.9
    assert store.value("g/rows.1") == 6
    assert store.value("later/x") == Pending("later")
    assert store.value("broken/x") == Pending("broken", failed=True)
    for bad in ("g", "g/", "nope/a", "g/b", "g/real.median"):
        with pytest.raises(LookupFailure):
            store.value(bad)
