#!/usr/bin/env python3
"""Validate the medication-safety LLM teaching data (stdlib only).

Checks:
  * every file is plain ASCII (character-level tokenizer, small vocabulary)
  * corpus.txt size is within the expected range
  * sft.jsonl / preferences.jsonl: every line parses, required keys exist,
    ids are unique, split counts are as expected, lengths stay short
  * preferences: chosen differs from rejected, and the fraction of pairs in
    which the chosen response is SHORTER than the rejected one is close to
    one half overall, in train and in heldout (length must not leak the label)
  * heldout prompts do not also appear as train prompts
  * cases.json has the expected structure
  * the held-out metformin demonstration prompt (or a near-verbatim form of
    it) does not appear in any training text

Usage: python3 models/data/llm/check_data.py   (exit code 0 = all good)
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus.txt")
SFT = os.path.join(HERE, "sft.jsonl")
PREFS = os.path.join(HERE, "preferences.jsonl")
CASES = os.path.join(HERE, "cases.json")

CORPUS_MIN, CORPUS_MAX = 35_000, 50_000
SFT_MIN, SFT_HELDOUT = 56, 12
PREF_MIN, PREF_HELDOUT = 110, 30
MAX_PROMPT, MAX_RESPONSE = 120, 220
SHORTER_LO, SHORTER_HI = 0.40, 0.60

errors = []
notes = []


def err(msg):
    errors.append(msg)


def norm(text):
    """Lowercase, drop punctuation, collapse whitespace."""
    text = re.sub(r"[^a-z0-9 ]+", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def check_ascii(path):
    with open(path, "rb") as f:
        raw = f.read()
    bad = [i for i, b in enumerate(raw) if b > 127]
    if bad:
        line = raw[: bad[0]].count(b"\n") + 1
        err("%s: %d non-ASCII bytes (first on line %d)" % (os.path.basename(path), len(bad), line))
    ctrl = [b for b in raw if b < 32 and b not in (9, 10, 13)]
    if ctrl:
        err("%s: %d control characters" % (os.path.basename(path), len(ctrl)))
    return raw.decode("utf-8", errors="replace")


def load_jsonl(path, keys):
    rows = []
    name = os.path.basename(path)
    text = check_ascii(path)
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            err("%s:%d: blank line" % (name, n))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            err("%s:%d: JSON error: %s" % (name, n, e))
            continue
        if not isinstance(obj, dict):
            err("%s:%d: not an object" % (name, n))
            continue
        missing = [k for k in keys if not isinstance(obj.get(k), str) or not obj.get(k).strip()]
        if missing:
            err("%s:%d: missing/empty keys %s" % (name, n, missing))
            continue
        extra = set(obj) - set(keys)
        if extra:
            err("%s:%d: unexpected keys %s" % (name, n, sorted(extra)))
        if obj["split"] not in ("train", "heldout"):
            err("%s:%d: bad split %r" % (name, n, obj["split"]))
        rows.append(obj)
    ids = [r["id"] for r in rows]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        err("%s: duplicate ids %s" % (name, dup))
    prompts = [norm(r["prompt"]) for r in rows]
    dupp = sorted({p for p in prompts if prompts.count(p) > 1})
    if dupp:
        err("%s: duplicate prompts %s" % (name, dupp[:5]))
    train_p = {norm(r["prompt"]) for r in rows if r["split"] == "train"}
    leak = [r["id"] for r in rows if r["split"] == "heldout" and norm(r["prompt"]) in train_p]
    if leak:
        err("%s: heldout prompts also in train: %s" % (name, leak))
    for r in rows:
        if len(r["prompt"]) > MAX_PROMPT:
            err("%s %s: prompt has %d chars (> %d)" % (name, r["id"], len(r["prompt"]), MAX_PROMPT))
        for k in keys:
            if k in ("id", "split", "prompt"):
                continue
            if len(r[k]) > MAX_RESPONSE:
                err("%s %s: %s has %d chars (> %d)" % (name, r["id"], k, len(r[k]), MAX_RESPONSE))
    return rows


def split_counts(rows):
    tr = sum(1 for r in rows if r["split"] == "train")
    return tr, len(rows) - tr


def shorter_fraction(rows):
    if not rows:
        return 0.0
    return sum(1 for r in rows if len(r["chosen"]) < len(r["rejected"])) / len(rows)


def main():
    for p in (CORPUS, SFT, PREFS, CASES):
        if not os.path.exists(p):
            print("MISSING:", p)
            return 1

    # corpus
    corpus = check_ascii(CORPUS)
    size = os.path.getsize(CORPUS)
    if not CORPUS_MIN <= size <= CORPUS_MAX:
        err("corpus.txt: %d bytes, expected %d-%d" % (size, CORPUS_MIN, CORPUS_MAX))
    paragraphs = [p for p in re.split(r"\n\s*\n", corpus) if p.strip()]
    words = corpus.split()
    vocab = set(norm(corpus).split())
    chars = sorted(set(corpus))
    notes.append(
        "corpus.txt: %d bytes, %d paragraphs, %d words, %d distinct words, %d distinct chars"
        % (size, len(paragraphs), len(words), len(vocab), len(chars))
    )

    # sft
    sft = load_jsonl(SFT, ["id", "split", "prompt", "response"])
    tr, ho = split_counts(sft)
    notes.append("sft.jsonl: %d pairs (train %d, heldout %d)" % (len(sft), tr, ho))
    if len(sft) < SFT_MIN:
        err("sft.jsonl: %d pairs, need >= %d" % (len(sft), SFT_MIN))
    if ho != SFT_HELDOUT:
        err("sft.jsonl: %d heldout, need exactly %d" % (ho, SFT_HELDOUT))

    # preferences
    prefs = load_jsonl(PREFS, ["id", "split", "prompt", "chosen", "rejected"])
    tr, ho = split_counts(prefs)
    notes.append("preferences.jsonl: %d pairs (train %d, heldout %d)" % (len(prefs), tr, ho))
    if len(prefs) < PREF_MIN:
        err("preferences.jsonl: %d pairs, need >= %d" % (len(prefs), PREF_MIN))
    if ho != PREF_HELDOUT:
        err("preferences.jsonl: %d heldout, need exactly %d" % (ho, PREF_HELDOUT))
    for r in prefs:
        if norm(r["chosen"]) == norm(r["rejected"]):
            err("preferences %s: chosen == rejected" % r["id"])
        if len(r["chosen"]) == len(r["rejected"]):
            notes.append("preferences %s: chosen and rejected have equal length" % r["id"])
    for label, subset in (
        ("all", prefs),
        ("train", [r for r in prefs if r["split"] == "train"]),
        ("heldout", [r for r in prefs if r["split"] == "heldout"]),
    ):
        frac = shorter_fraction(subset)
        mean_c = sum(len(r["chosen"]) for r in subset) / max(1, len(subset))
        mean_r = sum(len(r["rejected"]) for r in subset) / max(1, len(subset))
        notes.append(
            "preferences %-7s: chosen shorter in %.1f%% of %d pairs (mean len chosen %.0f, rejected %.0f)"
            % (label, 100 * frac, len(subset), mean_c, mean_r)
        )
        if not SHORTER_LO <= frac <= SHORTER_HI:
            err(
                "preferences %s: chosen-shorter fraction %.2f outside [%.2f, %.2f]"
                % (label, frac, SHORTER_LO, SHORTER_HI)
            )

    # cases
    check_ascii(CASES)
    try:
        with open(CASES, encoding="ascii") as f:
            cases = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        err("cases.json: %s" % e)
        cases = {}
    met = cases.get("metformin", {}) if isinstance(cases, dict) else {}
    for k in ("prompt", "reference_response", "unsafe_response"):
        if not isinstance(met.get(k), str) or not met.get(k).strip():
            err("cases.json: metformin.%s missing" % k)
    probe = cases.get("probe_sentence", "") if isinstance(cases, dict) else ""
    if not isinstance(probe, str) or not 8 <= len(probe.split()) <= 12:
        err("cases.json: probe_sentence should have 8-12 words")
    else:
        notes.append(
            "probe_sentence: %d words, %s in corpus"
            % (len(probe.split()), "present" if probe in corpus else "NOT present")
        )

    # held-out metformin prompt must not leak into training text
    prompt = met.get("prompt", "")
    if prompt:
        target = norm(prompt)
        # near-verbatim fragments of the demo prompt
        frags = [target, "metformin now has an egfr", "now has an egfr of 25"]
        texts = [("corpus.txt", corpus)]
        for r in sft:
            texts.append(("sft " + r["id"], " ".join([r["prompt"], r["response"]])))
        for r in prefs:
            texts.append(("preferences " + r["id"], " ".join([r["prompt"], r["chosen"], r["rejected"]])))
        for where, text in texts:
            t = norm(text)
            for fr in frags:
                if fr in t:
                    err("%s: contains held-out metformin prompt fragment %r" % (where, fr))
            # a training prompt that pairs metformin with an eGFR of 25
            if where != "corpus.txt" and "metformin" in t and re.search(r"egfr (of |is )?25\b", t):
                err("%s: metformin with eGFR 25 is the held-out case" % where)
        for sentence in re.split(r"(?<=[.?!])\s+", corpus):
            s = norm(sentence)
            if "metformin" in s and re.search(r"egfr (of |is )?25\b", s):
                err("corpus.txt: sentence pairs metformin with eGFR 25: %r" % sentence[:80])

    for n in notes:
        print(n)
    if errors:
        print("\nFAILED (%d problems):" % len(errors))
        for e in errors:
            print("  -", e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
