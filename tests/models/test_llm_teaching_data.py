"""The flagship's teaching data (models/data/llm/) is fit to teach with: the held-out rows do
not leak into training, response length does not give away which answer is preferred, and
the metformin case the lecture holds out appears in no training text.

Formats and line-numbered errors are tested in test_llm_data.py; these are properties of the
data itself, checked whenever the data files change."""

from __future__ import annotations

import re

import pytest

from models.llm_data import LLMData, PreferencePair, load_llm_data, split_rows

# The fraction of pairs whose chosen answer is the shorter one must stay near one half, in
# every split: otherwise a reward model can score well by preferring short (or long) answers.
SHORTER_BAND = (0.40, 0.60)
MAX_PROMPT_CHARS, MAX_RESPONSE_CHARS = 120, 220
# The held-out safety case: metformin with an eGFR of 25 (the lecture's demonstration).
METFORMIN_EGFR_25 = re.compile(r"metformin.*\begfr (of |is )?25\b|\begfr (of |is )?25\b.*metformin")


def normalized(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: near-verbatim copies compare equal."""
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]+", " ", text.lower())).strip()


def shorter_fraction(pairs: list[PreferencePair]) -> float:
    return sum(len(p.chosen) < len(p.rejected) for p in pairs) / len(pairs)


@pytest.fixture(scope="module")
def data() -> LLMData:
    return load_llm_data()


def test_the_split_sizes_the_lecture_reports(data):
    assert len(split_rows(data.sft, "heldout")) == 12 and len(data.sft) >= 56
    assert len(split_rows(data.preferences, "heldout")) == 30 and len(data.preferences) >= 110


@pytest.mark.parametrize("rows", ["sft", "preferences"])
def test_prompts_are_unique_and_no_heldout_prompt_is_trained_on(data, rows):
    examples = getattr(data, rows)
    prompts = [normalized(e.prompt) for e in examples]
    assert len(set(prompts)) == len(prompts), "two rows share a prompt"
    assert len({e.id for e in examples}) == len(examples)
    trained = {normalized(e.prompt) for e in split_rows(examples, "train")}
    leaked = [e.id for e in split_rows(examples, "heldout") if normalized(e.prompt) in trained]
    assert leaked == []


def test_rows_stay_short_enough_for_the_block_size(data):
    for e in data.sft:
        assert len(e.prompt) <= MAX_PROMPT_CHARS and len(e.response) <= MAX_RESPONSE_CHARS, e.id
    for p in data.preferences:
        assert len(p.prompt) <= MAX_PROMPT_CHARS, p.id
        assert max(len(p.chosen), len(p.rejected)) <= MAX_RESPONSE_CHARS, p.id


def test_chosen_and_rejected_always_differ(data):
    assert [p.id for p in data.preferences if normalized(p.chosen) == normalized(p.rejected)] == []


@pytest.mark.parametrize("split", ["all", "train", "heldout"])
def test_length_does_not_give_the_preference_away(data, split):
    pairs = data.preferences if split == "all" else split_rows(data.preferences, split)
    low, high = SHORTER_BAND
    assert low <= shorter_fraction(pairs) <= high


def test_the_heldout_metformin_case_is_in_no_training_text(data):
    prompt = normalized(data.metformin.prompt)
    fragments = [prompt, "metformin now has an egfr", "now has an egfr of 25"]
    texts = {"corpus.txt": data.corpus}
    texts |= {f"sft {e.id}": f"{e.prompt} {e.response}" for e in data.sft}
    texts |= {f"preferences {p.id}": f"{p.prompt} {p.chosen} {p.rejected}" for p in data.preferences}
    for where, text in texts.items():
        plain = normalized(text)
        assert not [f for f in fragments if f in plain], where
        if where != "corpus.txt":
            assert not METFORMIN_EGFR_25.search(plain), where
    for sentence in re.split(r"(?<=[.?!])\s+", data.corpus):
        assert not METFORMIN_EGFR_25.search(normalized(sentence)), sentence[:80]


def test_the_probe_sentence_fits_the_attention_chart(data):
    assert 8 <= len(data.probe_sentence.split()) <= 12
