"""The generation step of RAG, done honestly without a large model.

A real RAG system hands the retrieved chunks to a language model inside a prompt and lets it
write the answer. We have no large model here, so two separate things stand in:

* a plain answerer: it picks, from the retrieved chunks, the one sentence most similar to
  the question (MiniLM cosine) and returns it with its citation; when even that sentence
  scores below a threshold it abstains ("the documents do not say"). A single sentence is
  a sharper signal than a whole chunk, whose vector averages many topics;
* the prompt a real LLM would receive, assembled from a template, the retrieved chunks and
  their citations, with token counts from MiniLM's WordPiece tokenizer (not the tokenizer of
  any particular LLM, so the counts only show the order of magnitude).

The threshold is tuned on training questions (answerable and unanswerable), never on the
held-out ones it is reported on.
"""

from dataclasses import dataclass

import numpy as np

from models.retrieval import Chunk, Question


@dataclass
class AnswererConfig:
    top_k: int = 3  # chunks handed to the answerer (and to the prompt)
    thresholds: int = 101  # candidate thresholds tried between the lowest and highest training score


@dataclass
class Answer:
    abstained: bool
    best_score: float  # cosine of the question with the picked sentence: what the threshold reads
    sentence: tuple[int, int] | None  # character span of the picked sentence in the corpus
    chunk_ids: list[int]  # the retrieved chunks, best first (the citations)


def answer(
    question_vec: np.ndarray,
    chunk_vecs: np.ndarray,
    chunks: list[Chunk],
    sentence_vecs: np.ndarray,
    sentences: list[tuple[int, int]],
    threshold: float,
    top_k: int,
) -> Answer:
    """Retrieve top_k chunks by cosine, pick their sentence closest to the question, abstain below threshold."""
    scores = chunk_vecs @ question_vec  # (N,) cosine: every vector is unit length
    order = [int(i) for i in np.argsort(-scores, kind="stable")[:top_k]]
    # Candidate sentences: those lying inside a retrieved chunk.
    inside = [
        s for s, (a, b) in enumerate(sentences) if any(chunks[c].start <= a and b <= chunks[c].end for c in order)
    ]
    sentence_scores = sentence_vecs[inside] @ question_vec
    pick = int(np.argmax(sentence_scores))
    best = float(sentence_scores[pick])
    if best < threshold:
        return Answer(True, best, None, order)
    return Answer(False, best, sentences[inside[pick]], order)


def is_correct(result: Answer, question: Question) -> bool:
    """An answer is right when the picked sentence contains the gold answer span."""
    if result.abstained or result.sentence is None or question.answer_start is None or question.answer_end is None:
        return False
    start, end = result.sentence
    return start <= question.answer_start and question.answer_end <= end


@dataclass
class AbstentionScores:
    precision: float  # of the questions it abstained on, the share the documents cannot answer
    recall: float  # of the questions the documents cannot answer, the share it abstained on
    abstained: int


def abstention_scores(best_scores: np.ndarray, answerable: np.ndarray, threshold: float) -> AbstentionScores:
    abstain = best_scores < threshold
    unanswerable = ~answerable
    hits = int(np.sum(abstain & unanswerable))
    precision = hits / int(abstain.sum()) if abstain.any() else 0.0
    recall = hits / int(unanswerable.sum()) if unanswerable.any() else 0.0
    return AbstentionScores(precision, recall, int(abstain.sum()))


def tune_threshold(best_scores: np.ndarray, answerable: np.ndarray, candidates: int) -> float:
    """The threshold with the highest abstention F1 on these (training) questions; ties go to the lower one."""
    grid = np.linspace(best_scores.min(), best_scores.max() + 1e-6, candidates)

    def f1(t: float) -> float:
        s = abstention_scores(best_scores, answerable, t)
        # $F_1 = 2PR / (P + R)$ for "abstain" as the positive decision
        return 2 * s.precision * s.recall / (s.precision + s.recall) if s.precision + s.recall else 0.0

    scores = [f1(t) for t in grid]
    return float(grid[int(np.argmax(scores))])


PROMPT_TEMPLATE = (
    "Answer the question using only the sources below. Cite sources as [1], [2]. "
    "If the sources do not contain the answer, say that you do not know.\n\n"
    "{sources}\n\nQuestion: {question}\nAnswer:"
)


@dataclass
class PromptPart:
    label: str  # "instructions", "source [1]", ..., "question"
    text: str
    tokens: int  # MiniLM WordPiece tokens


def assemble_prompt(
    question: str, chunks: list[Chunk], chunk_ids: list[int], count_tokens
) -> tuple[str, list[PromptPart]]:
    """The full prompt and its parts; each source carries its citation number and character span."""
    sources = [
        f"[{n}] (corpus characters {chunks[c].start}-{chunks[c].end}) {chunks[c].text}"
        for n, c in enumerate(chunk_ids, start=1)
    ]
    prompt = PROMPT_TEMPLATE.format(sources="\n\n".join(sources), question=question)
    instructions = PROMPT_TEMPLATE.format(sources="", question="")  # the fixed text around the slots
    parts = [PromptPart("instructions", instructions, count_tokens(instructions))]
    parts += [PromptPart(f"source [{n}]", s, count_tokens(s)) for n, s in enumerate(sources, start=1)]
    parts.append(PromptPart("question", question, count_tokens(question)))
    return prompt, parts


# ---------------------------------------------------------------------------------------------
# Does the prompt's format matter? Measured on the flagship's small SFT model, which was trained
# on one template only ("Q: ...\nA: ", models/tokenizer.py format_prompt).

PROMPT_VARIANTS = {
    "trained template": "Q: {question}\nA: ",
    "other delimiters": "Question: {question}\nAnswer: ",
    "system line first": "You are a careful pharmacist.\nQ: {question}\nA: ",
    "no template": "{question} ",
    "source in the prompt": "Source: {evidence}\nQ: {question}\nA: ",
}


@dataclass
class VariantLoss:
    variant: str
    loss: float  # mean cross-entropy per answer character (nats), over every scored pair
    pairs: int


def variant_losses(model, tokenizer, pairs: list[tuple[str, str, str]], block_size: int) -> list[VariantLoss]:
    """Answer loss under each prompt variant; pairs are (question, evidence, answer text).

    Only pairs whose every variant fits in the model's block (prompt + answer + <eos>) and uses
    known characters are scored, so each variant is measured on the same answers.
    """
    import torch
    import torch.nn.functional as F

    def ids(variant: str, q: str, ev: str, ans: str) -> tuple[list[int], int]:
        prompt = tokenizer.encode(PROMPT_VARIANTS[variant].format(question=q, evidence=ev))
        return prompt + tokenizer.encode(ans) + [tokenizer.eos_id], len(prompt)

    known = set(tokenizer.stoi)
    usable = [p for p in pairs if set("".join(p)) <= known
              and all(len(ids(v, *p)[0]) <= block_size + 1 for v in PROMPT_VARIANTS)]
    out = []
    with torch.no_grad():
        for variant in PROMPT_VARIANTS:
            total, count = 0.0, 0
            for p in usable:
                seq, n_prompt = ids(variant, *p)
                x = torch.tensor(seq[:-1])[None]  # (1, T)
                y = torch.tensor(seq[1:])  # (T,)
                logits, _ = model(x)  # (1, T, V)
                # $-\log p(\mathrm{answer}_t \mid \mathrm{prompt}, \mathrm{answer}_{<t})$ over the answer and <eos>
                nll = F.cross_entropy(logits[0, n_prompt - 1 :], y[n_prompt - 1 :], reduction="sum")
                total += nll.item()
                count += len(y) - (n_prompt - 1)
            out.append(VariantLoss(variant, total / max(count, 1), len(usable)))
    return out
