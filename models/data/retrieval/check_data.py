"""Check the retrieval questions against the flagship corpus (models/data/llm/corpus.txt).

questions.jsonl holds one question per line. An answerable question carries its gold
evidence as a character span of the corpus (evidence_start, evidence_end, and the text
itself) and a short answer span inside it; an unanswerable one has nulls there. Each line
says whether it is in the training split (thresholds, chunk size and the projection head may
be tuned on it) or held out (only reported).

Checks: every gold span occurs verbatim at its offsets and exactly once in the corpus; the
answer lies inside it; the span lies inside one sentence (so no chunker cuts it); ids are
unique; no held-out question also appears in training (compared after lower-casing and
dropping punctuation); and the counts are at least what the lecture promises.

Usage: python -m models.data.retrieval.check_data   (exit code 0 = all good)
"""

import re
import sys

from models.retrieval import Question, load_corpus, load_questions, sentence_spans

MIN_ANSWERABLE, MIN_UNANSWERABLE = 120, 20
MIN_HELDOUT_ANSWERABLE, MIN_HELDOUT_UNANSWERABLE = 40, 10


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]+", " ", text.lower())).strip()


def check(corpus: str, questions: list[Question]) -> list[str]:
    """Every problem found, as a sentence naming the question; empty when the data is sound."""
    errors = []
    sentences = sentence_spans(corpus)
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        errors.append("question ids are not unique")
    for q in questions:
        if q.split not in ("train", "heldout"):
            errors.append(f"{q.id}: split is {q.split!r}, not 'train' or 'heldout'")
        if not q.answerable:
            continue
        s, e, a0, a1 = q.evidence_start, q.evidence_end, q.answer_start, q.answer_end
        if s is None or e is None or a0 is None or a1 is None or q.evidence is None:
            errors.append(f"{q.id}: an answerable question needs both spans and the evidence text")
            continue
        if corpus[s:e] != q.evidence:
            errors.append(f"{q.id}: corpus[{s}:{e}] is not the stored evidence")
        if corpus.count(q.evidence) != 1:
            errors.append(f"{q.id}: the evidence occurs {corpus.count(q.evidence)} times in the corpus, not once")
        if not (s <= a0 < a1 <= e) or corpus[a0:a1] != q.answer:
            errors.append(f"{q.id}: the answer is not the text at its span inside the evidence")
        if not any(a <= s and e <= b for a, b in sentences):
            errors.append(f"{q.id}: the evidence crosses a sentence end, so a chunker could cut it")
    train = {normalise(q.question) for q in questions if q.split == "train"}
    for q in questions:
        if q.split == "heldout" and normalise(q.question) in train:
            errors.append(f"{q.id}: held-out question also appears in training")
    counts = {
        "answerable": (sum(q.answerable for q in questions), MIN_ANSWERABLE),
        "unanswerable": (sum(not q.answerable for q in questions), MIN_UNANSWERABLE),
        "held-out answerable": (sum(q.answerable and q.split == "heldout" for q in questions), MIN_HELDOUT_ANSWERABLE),
        "held-out unanswerable": (
            sum(not q.answerable and q.split == "heldout" for q in questions),
            MIN_HELDOUT_UNANSWERABLE,
        ),
    }
    errors += [f"only {n} {name} questions, at least {low} promised" for name, (n, low) in counts.items() if n < low]
    return errors


if __name__ == "__main__":
    problems = check(load_corpus(), load_questions())
    for problem in problems:
        print(problem)
    print("ok" if not problems else f"{len(problems)} problems")
    sys.exit(1 if problems else 0)
