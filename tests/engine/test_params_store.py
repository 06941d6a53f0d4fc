from __future__ import annotations

import json

import pytest

from engine.params import ParamsError, load_params
from engine.store import LookupFailure, Pending, Store


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
    with pytest.raises(ParamsError, match="no section for generator 'b'"):
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


def test_floats_resolve_as_in_yaml_1_2(tmp_path, monkeypatch):
    monkeypatch.delenv("IG_PARAMS", raising=False)
    params = load_params(write(tmp_path, "generators:\n  a:\n    lr: 5e-4\n    big: 1E3\n    n: 12\n    s: '5e-4'\n"))
    section = params.generators["a"]
    assert section["lr"] == 5e-4 and isinstance(section["lr"], float)
    assert section["big"] == 1000.0 and isinstance(section["n"], int) and section["s"] == "5e-4"


def test_sections_are_validated_against_the_params_dataclass(tmp_path, monkeypatch):
    from dataclasses import dataclass, field

    from engine.params import validate

    @dataclass
    class Config:
        seed: int = 0
        lr: float = 1e-3
        sizes: list[int] = field(default_factory=lambda: [1, 2])

    monkeypatch.delenv("IG_PARAMS", raising=False)
    params = load_params(write(tmp_path, "generators:\n  a:\n    seed: 7\n    lr: 5e-4\n  b:\n    lr: fast\n"
                                        "  c:\n    sizes: [1, x]\n  d:\n    seed: 1\n    lrr: 2\n"))
    config = validate(params, "a", Config)
    assert config == Config(seed=7, lr=5e-4, sizes=[1, 2])
    with pytest.raises(ParamsError, match=r"params.yaml:6: generators.b.lr: expected float, got 'fast' \(str\)"):
        validate(params, "b", Config)
    with pytest.raises(ParamsError, match=r"params.yaml:8: generators.c.sizes: expected list\[int\]"):
        validate(params, "c", Config)
    with pytest.raises(ParamsError, match=r"params.yaml:11: generators.d.lrr: unknown param for d \(Config has: lr, sizes\)"):
        validate(params, "d", Config)
