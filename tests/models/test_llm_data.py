"""LLM data: loaders fail with file:line on malformed input; batches mask what they should;
the chat template and character tokenizer round-trip."""

import json

import pytest
import torch
from llm_fixtures import write_llm_data

from models.gpt import IGNORE_INDEX
from models.llm_data import (
    DATA_DIR,
    DataError,
    covering_windows,
    lm_batch,
    load_cases,
    load_corpus,
    load_llm_data,
    load_preferences,
    load_sft,
    prompt_batch,
    sequence_batch,
    split_corpus,
)
from models.tokenizer import EOS, PAD, CharTokenizer, format_prompt

GOOD_SFT = {"id": "a", "split": "train", "prompt": "Q?", "response": "R."}


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


@pytest.fixture
def data(tmp_path):
    return load_llm_data(write_llm_data(tmp_path / "llm"))


# --- loaders -------------------------------------------------------------------------------


def test_missing_field_names_file_and_line(tmp_path):
    bad = dict(GOOD_SFT, id="b")
    del bad["response"]
    path = write_lines(tmp_path / "sft.jsonl", [json.dumps(GOOD_SFT), json.dumps(bad)])
    with pytest.raises(DataError) as info:
        load_sft(path)
    assert str(info.value) == f"{path}:2: missing field 'response'"
    assert (info.value.line, info.value.path) == (2, str(path))


def test_error_path_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models" / "data" / "llm").mkdir(parents=True)
    bad = dict(GOOD_SFT)
    del bad["response"]
    lines = [json.dumps(dict(GOOD_SFT, id=f"id-{i}")) for i in range(16)] + [json.dumps(bad)]
    path = write_lines(tmp_path / "models" / "data" / "llm" / "sft.jsonl", lines)
    with pytest.raises(DataError) as info:
        load_sft(path)
    assert str(info.value) == "models/data/llm/sft.jsonl:17: missing field 'response'"


def test_invalid_json_names_its_line(tmp_path):
    lines = [json.dumps(GOOD_SFT), json.dumps(dict(GOOD_SFT, id="b")), '{"id": "c", "split": ']
    path = write_lines(tmp_path / "sft.jsonl", lines)
    with pytest.raises(DataError, match=rf"^{path}:3: invalid JSON"):
        load_sft(path)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (dict(GOOD_SFT, split="test"), "field 'split' is 'test'"),
        (dict(GOOD_SFT, prompt=""), "field 'prompt' must be a non-empty string"),
        (dict(GOOD_SFT, response=7), "field 'response' must be a non-empty string"),
        (["not", "an", "object"], "expected a JSON object"),
    ],
)
def test_bad_values_name_the_line(tmp_path, row, message):
    path = write_lines(tmp_path / "sft.jsonl", [json.dumps(GOOD_SFT), json.dumps(row)])
    with pytest.raises(DataError, match=rf"^{path}:2: {message}"):
        load_sft(path)


def test_duplicate_id_points_at_both_lines(tmp_path):
    path = write_lines(tmp_path / "sft.jsonl", [json.dumps(GOOD_SFT), json.dumps(GOOD_SFT)])
    with pytest.raises(DataError, match=rf"^{path}:2: duplicate id 'a' \(first on line 1\)"):
        load_sft(path)


def test_preferences_need_chosen_and_rejected(tmp_path):
    row = {"id": "p", "split": "heldout", "prompt": "Q?", "chosen": "Good."}
    path = write_lines(tmp_path / "preferences.jsonl", [json.dumps(row)])
    with pytest.raises(DataError, match=rf"^{path}:1: missing field 'rejected'"):
        load_preferences(path)


def test_non_ascii_byte_names_its_line(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"line one\nline two\ncaf\xc3\xa9\n")
    with pytest.raises(DataError, match=rf"^{path}:3: non-ASCII byte 0xc3"):
        load_corpus(path)


def test_cases_missing_field_points_at_the_case(tmp_path):
    path = tmp_path / "cases.json"
    case = {"prompt": "Q?", "reference_response": "Stop."}
    path.write_text(json.dumps({"probe_sentence": "Hi.", "metformin": case}, indent=2))
    with pytest.raises(DataError, match=rf"^{path}:3: missing field 'unsafe_response'"):
        load_cases(path)


def test_cases_invalid_json_line(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text('{\n  "probe_sentence": "Hi.",\n  "metformin": {\n}}}\n')
    with pytest.raises(DataError, match=rf"^{path}:4: invalid JSON"):
        load_cases(path)


def test_fixture_loads_with_splits(data):
    assert [e.split for e in data.sft].count("heldout") == 2
    assert [p.split for p in data.preferences].count("heldout") == 3
    assert data.metformin.prompt.startswith("A patient on metformin")


@pytest.mark.skipif(not (DATA_DIR / "preferences.jsonl").exists(), reason="lecture data not written yet")
def test_lecture_data_loads_and_fits_the_default_block_size():
    from models.gpt_pretrain import PretrainConfig

    real = load_llm_data()
    tokenizer = real.tokenizer()
    block_size = PretrainConfig().block_size
    pairs = [(p.prompt, r) for p in real.preferences for r in (p.chosen, p.rejected)]
    pairs += [(e.prompt, e.response) for e in real.sft]
    tokens, _ = sequence_batch(tokenizer, pairs, block_size)
    assert tokens.size(1) <= block_size


# --- tokenizer and template ----------------------------------------------------------------


def test_tokenizer_round_trip_and_specials():
    tokenizer = CharTokenizer.from_texts(["hello world", "Q: A:\n"])
    assert tokenizer.tokens[:2] == [PAD, EOS]
    assert (tokenizer.pad_id, tokenizer.eos_id) == (0, 1)
    assert tokenizer.decode(tokenizer.encode("hello")) == "hello"
    # decoding stops at <eos> and drops <pad>
    ids = [tokenizer.pad_id, *tokenizer.encode("he"), tokenizer.eos_id, *tokenizer.encode("lo")]
    assert tokenizer.decode(ids) == "he"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tokenizer.encode("xyz")


def test_dialogue_is_template_then_response_then_eos():
    tokenizer = CharTokenizer.from_texts(["Why? Stop it."])
    ids, n_prompt = tokenizer.encode_dialogue("Why?", "Stop it.")
    assert tokenizer.decode(ids[:n_prompt]) == format_prompt("Why?") == "Q: Why?\nA: "
    assert tokenizer.decode(ids[n_prompt:]) == "Stop it."
    assert ids[-1] == tokenizer.eos_id


# --- batches ---------------------------------------------------------------------------------


def test_lm_batch_targets_only_the_response_and_eos(data):
    tokenizer = data.tokenizer()
    pairs = [("Why?", "Stop it."), ("Is it safe?", "No.")]
    x, y = lm_batch(tokenizer, pairs, block_size=64)
    for row, (prompt, response) in enumerate(pairs):
        ids, n_prompt = tokenizer.encode_dialogue(prompt, response)
        # inputs are the sequence without its last token, then padding
        assert x[row, : len(ids) - 1].tolist() == ids[:-1]
        # targets: ignored over the prompt, then the response and <eos>, then ignored padding
        assert (y[row, : n_prompt - 1] == IGNORE_INDEX).all()
        assert y[row, n_prompt - 1 : len(ids) - 1].tolist() == [*tokenizer.encode(response), tokenizer.eos_id]
        assert (y[row, len(ids) - 1 :] == IGNORE_INDEX).all()


def test_lm_batch_rejects_sequences_longer_than_block_size(data):
    with pytest.raises(ValueError, match="more than"):
        lm_batch(data.tokenizer(), [("Why?", "Stop it." * 10)], block_size=20)


def test_sequence_batch_marks_the_answer(data):
    tokenizer = data.tokenizer()
    tokens, answer_mask = sequence_batch(tokenizer, [("Why?", "Stop it."), ("Q?", "No.")], block_size=64)
    n_prompt = len(tokenizer.encode(format_prompt("Q?")))
    assert answer_mask[1].nonzero().flatten().tolist() == list(range(n_prompt, n_prompt + 4))  # "No." + <eos>
    assert tokens[1, n_prompt + 3] == tokenizer.eos_id


def test_prompt_batch_pads_on_the_left(data):
    tokenizer = data.tokenizer()
    ids, pad_mask = prompt_batch(tokenizer, ["Why?", "Is it safe?"])
    short = tokenizer.encode(format_prompt("Why?"))
    assert ids[0, -len(short) :].tolist() == short
    assert pad_mask[0].tolist() == [True] * (ids.size(1) - len(short)) + [False] * len(short)
    assert not pad_mask[1].any()


def test_covering_windows_predict_every_token_once():
    ids = torch.arange(23)
    train, heldout = split_corpus(ids, heldout_fraction=0.1)
    assert len(train) + len(heldout) == 23 and heldout[0] == len(train)
    windows = covering_windows(ids, block_size=5)
    targets = torch.cat([y.flatten() for _, y in windows])
    inputs = torch.cat([x.flatten() for x, _ in windows])
    assert targets.tolist() == list(range(1, 23))
    assert (targets - inputs == 1).all()
