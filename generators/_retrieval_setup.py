"""What the retrieval lecture's generators share: the questions split by role, the chosen chunking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.contract import RunContext
from models.retrieval import ChunkingConfig, Question, load_corpus, load_questions

CORPUS = "models/data/llm/corpus.txt"
QUESTIONS = "models/data/retrieval/questions.jsonl"


@dataclass
class RetrievalData:
    corpus: str
    train: list[Question]  # every tuned choice may look at these (answerable and not)
    heldout: list[Question]  # only reported

    @property
    def train_answerable(self) -> list[Question]:
        return [q for q in self.train if q.answerable]

    @property
    def heldout_answerable(self) -> list[Question]:
        return [q for q in self.heldout if q.answerable]


def load_data(ctx: RunContext) -> RetrievalData:
    questions = load_questions(ctx.path(QUESTIONS))
    return RetrievalData(
        corpus=load_corpus(ctx.path(CORPUS)),
        train=[q for q in questions if q.split == "train"],
        heldout=[q for q in questions if q.split == "heldout"],
    )


def chosen_chunking(search_summary: dict[str, Any]) -> ChunkingConfig:
    """The chunking rag_search picked on training questions."""
    return ChunkingConfig(
        kind=str(search_summary["chunking_kind"]),
        size=int(search_summary["chunking_size"]),
        overlap=int(search_summary["chunking_overlap"]),
    )


def short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
