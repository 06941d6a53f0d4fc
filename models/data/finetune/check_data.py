#!/usr/bin/env python3
"""Validate the fine-tuning lecture's data.

vet_notes.txt (the new text domain for the tiny GPT):
  * 10 to 15 KB of plain ASCII prose
  * every character is in the flagship GPT's vocabulary (built from models/data/llm/), so
    the pretrained model can read it without a new embedding row
triage.tsv (the labelled messages for MiniLM):
  * every line is split<TAB>label<TAB>text, split train or heldout
  * at least 300 messages, at least 3 classes, at least 25% and at least 75 held out,
    every class present in both splits
  * no message appears twice (so none is both trained on and held out)

Usage: .venv/bin/python models/data/finetune/check_data.py   (exit code 0 = all good)
"""

import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
VET_NOTES = HERE / "vet_notes.txt"
TRIAGE = HERE / "triage.tsv"
CORPUS_MIN, CORPUS_MAX = 10_000, 15_000
MIN_MESSAGES, MIN_CLASSES, MIN_HELDOUT_FRACTION, MIN_HELDOUT = 300, 3, 0.25, 75


def check() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from models.llm_data import load_llm_data
    from models.peft_track import load_sentences

    errors = []
    raw = VET_NOTES.read_bytes()
    if not CORPUS_MIN <= len(raw) <= CORPUS_MAX:
        errors.append(f"{VET_NOTES.name}: {len(raw)} bytes, expected {CORPUS_MIN} to {CORPUS_MAX}")
    vocab = set(load_llm_data(ROOT / "models" / "data" / "llm").tokenizer().tokens)
    text = raw.decode("ascii", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        unknown = sorted(set(line) - vocab)
        if unknown:
            errors.append(f"{VET_NOTES.name}:{number}: characters outside the flagship vocabulary: {unknown!r}")

    try:
        rows = load_sentences(TRIAGE)
    except (ValueError, UnicodeDecodeError) as e:
        return [*errors, str(e)]
    heldout = [r for r in rows if r.split == "heldout"]
    classes = Counter(r.label for r in rows)
    if len(rows) < MIN_MESSAGES:
        errors.append(f"{TRIAGE.name}: {len(rows)} messages, expected at least {MIN_MESSAGES}")
    if len(classes) < MIN_CLASSES:
        errors.append(f"{TRIAGE.name}: {len(classes)} classes, expected at least {MIN_CLASSES}")
    if len(heldout) < max(MIN_HELDOUT, MIN_HELDOUT_FRACTION * len(rows)):
        errors.append(f"{TRIAGE.name}: {len(heldout)} of {len(rows)} held out, expected at least 25% and 75")
    for label in classes:
        splits = {r.split for r in rows if r.label == label}
        if splits != {"train", "heldout"}:
            errors.append(f"{TRIAGE.name}: class {label!r} is missing from a split (has {sorted(splits)})")
    duplicates = [t for t, n in Counter(r.text.lower() for r in rows).items() if n > 1]
    if duplicates:
        errors.append(f"{TRIAGE.name}: repeated messages: {duplicates[:3]}")
    return errors


if __name__ == "__main__":
    problems = check()
    for p in problems:
        print("ERROR:", p)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
