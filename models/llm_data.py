"""The LLM lecture's data: loaders with file:line errors, splits and batches.

Four files in models/data/llm/ feed the four stages:

    corpus.txt         plain prose                                 -> pretraining
    sft.jsonl          {"id", "split", "prompt", "response"}       -> supervised fine-tuning
    preferences.jsonl  {"id", "split", "prompt", "chosen", "rejected"}
                                                                   -> reward model and DPO
    cases.json         {"metformin": {"prompt", "reference_response", "unsafe_response"},
                        "probe_sentence": "..."}                   -> the worked examples

A malformed file raises DataError, whose message names the file and the line, e.g.
"models/data/llm/sft.jsonl:17: missing field 'response'".
"""

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from models.gpt import IGNORE_INDEX
from models.tokenizer import CharTokenizer, format_prompt

DATA_DIR = Path(__file__).parent / "data" / "llm"
SPLITS = ("train", "heldout")


class DataError(ValueError):
    """A malformed data file; str() is "path:line: message", the path relative to the
    working directory when the file lies under it."""

    def __init__(self, path: str | Path, line: int, message: str):
        path = Path(path)
        if path.is_absolute() and path.is_relative_to(Path.cwd()):
            path = path.relative_to(Path.cwd())
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = str(path), line, message


@dataclass(frozen=True)
class SFTExample:
    id: str
    split: str
    prompt: str
    response: str


@dataclass(frozen=True)
class PreferencePair:
    id: str
    split: str
    prompt: str
    chosen: str
    rejected: str


@dataclass(frozen=True)
class SafetyCase:
    prompt: str
    reference_response: str
    unsafe_response: str


@dataclass(frozen=True)
class LLMData:
    corpus: str
    sft: list[SFTExample]
    preferences: list[PreferencePair]
    metformin: SafetyCase
    probe_sentence: str

    def tokenizer(self) -> CharTokenizer:
        """The character vocabulary of every text the four stages read."""
        texts = [self.corpus, self.probe_sentence, *vars(self.metformin).values()]
        texts += [e.prompt + e.response for e in self.sft]
        texts += [p.prompt + p.chosen + p.rejected for p in self.preferences]
        return CharTokenizer.from_texts(texts)


def _read_ascii(path: Path) -> str:
    raw = path.read_bytes()
    for offset, byte in enumerate(raw):
        if byte > 127:
            line = raw[:offset].count(b"\n") + 1
            raise DataError(path, line, f"non-ASCII byte 0x{byte:02x} (the data must be ASCII)")
    return raw.decode("ascii")


def _check_fields(path: Path, line: int, obj: object, fields: tuple[str, ...]) -> dict:
    if not isinstance(obj, dict):
        raise DataError(path, line, f"expected a JSON object, got {type(obj).__name__}")
    for field in fields:
        if field not in obj:
            raise DataError(path, line, f"missing field '{field}'")
        if not isinstance(obj[field], str) or not obj[field].strip():
            raise DataError(path, line, f"field '{field}' must be a non-empty string")
    if "split" in fields and obj["split"] not in SPLITS:
        raise DataError(path, line, f"field 'split' is {obj['split']!r}; expected one of {SPLITS}")
    return obj


def _read_jsonl(path: Path, fields: tuple[str, ...]) -> list[dict]:
    rows, seen = [], {}
    for line, text in enumerate(_read_ascii(path).splitlines(), start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            raise DataError(path, line, f"invalid JSON: {e.msg} (column {e.colno})") from e
        row = _check_fields(path, line, obj, fields)
        if row["id"] in seen:
            raise DataError(path, line, f"duplicate id {row['id']!r} (first on line {seen[row['id']]})")
        seen[row["id"]] = line
        rows.append({f: row[f] for f in fields})
    if not rows:
        raise DataError(path, 1, "file has no records")
    return rows


def load_corpus(path: str | Path) -> str:
    text = _read_ascii(Path(path))
    if not text.strip():
        raise DataError(path, 1, "corpus is empty")
    return text


def load_sft(path: str | Path) -> list[SFTExample]:
    fields = ("id", "split", "prompt", "response")
    return [SFTExample(**row) for row in _read_jsonl(Path(path), fields)]


def load_preferences(path: str | Path) -> list[PreferencePair]:
    fields = ("id", "split", "prompt", "chosen", "rejected")
    return [PreferencePair(**row) for row in _read_jsonl(Path(path), fields)]


def load_cases(path: str | Path) -> tuple[SafetyCase, str]:
    """The metformin case and the probe sentence for the attention heatmap."""
    path = Path(path)
    text = _read_ascii(path)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(path, e.lineno, f"invalid JSON: {e.msg} (column {e.colno})") from e

    def line_of(key: str) -> int:
        # A JSON document has no per-record lines; point at the key, or at line 1.
        for number, content in enumerate(text.splitlines(), start=1):
            if f'"{key}"' in content:
                return number
        return 1

    if not isinstance(obj, dict) or "metformin" not in obj:
        raise DataError(path, 1, "missing field 'metformin'")
    if not isinstance(obj.get("probe_sentence"), str) or not obj["probe_sentence"].strip():
        raise DataError(path, line_of("probe_sentence"), "missing field 'probe_sentence'")
    fields = ("prompt", "reference_response", "unsafe_response")
    case = _check_fields(path, line_of("metformin"), obj["metformin"], fields)
    return SafetyCase(**{f: case[f] for f in fields}), obj["probe_sentence"]


def load_llm_data(data_dir: str | Path = DATA_DIR) -> LLMData:
    data_dir = Path(data_dir)
    metformin, probe_sentence = load_cases(data_dir / "cases.json")
    return LLMData(
        corpus=load_corpus(data_dir / "corpus.txt"),
        sft=load_sft(data_dir / "sft.jsonl"),
        preferences=load_preferences(data_dir / "preferences.jsonl"),
        metformin=metformin,
        probe_sentence=probe_sentence,
    )


def split_rows(rows: list, split: str) -> list:
    return [r for r in rows if r.split == split]


# ---------------------------------------------------------------------------------------
# Pretraining batches: windows of the corpus token stream.


def split_corpus(ids: torch.Tensor, heldout_fraction: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The last heldout_fraction of the corpus is held out; the model never trains on it."""
    n_train = int(len(ids) * (1.0 - heldout_fraction))
    return ids[:n_train], ids[n_train:]


def sample_windows(
    ids: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """batch_size random windows; the target y is the input x shifted left by one token."""
    start = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)
    x = torch.stack([ids[s : s + block_size] for s in start.tolist()])  # (B, T)
    y = torch.stack([ids[s + 1 : s + 1 + block_size] for s in start.tolist()])  # (B, T)
    return x, y


def covering_windows(ids: torch.Tensor, block_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive windows in which every token after the first is a target exactly once.

    Returned as at most two batches: the full windows (N, block_size), then the remainder.
    """
    x, y = ids[:-1], ids[1:]
    n_full = len(x) // block_size * block_size
    batches = [(x[:n_full].view(-1, block_size), y[:n_full].view(-1, block_size))]  # (N, T)
    if n_full < len(x):
        batches.append((x[n_full:].unsqueeze(0), y[n_full:].unsqueeze(0)))  # (1, rest)
    return batches


# ---------------------------------------------------------------------------------------
# Dialogue batches: templated (prompt, response) pairs, right-padded to the longest one.
# Right padding is safe under a causal mask: real tokens never attend to the pads after them.


def _padded(tokenizer: CharTokenizer, pairs: list[tuple[str, str]], max_len: int) -> tuple[torch.Tensor, list[int]]:
    """(B, L) token ids padded with <pad>, and each pair's number of prompt tokens."""
    encoded = [tokenizer.encode_dialogue(p, r) for p, r in pairs]
    longest = max(len(ids) for ids, _ in encoded)
    if longest > max_len:
        raise ValueError(f"a dialogue has {longest} tokens, more than the {max_len} that fit")
    rows = [ids + [tokenizer.pad_id] * (longest - len(ids)) for ids, _ in encoded]
    return torch.tensor(rows), [n_prompt for _, n_prompt in encoded]


def lm_batch(
    tokenizer: CharTokenizer, pairs: list[tuple[str, str]], block_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs x and next-token targets y, both (B, L-1), for (prompt, response) pairs.

    Targets inside the prompt and in the padding are IGNORE_INDEX, so a loss over y counts
    only the response tokens and the closing <eos>.
    """
    # Inputs drop the last token, so a sequence may be one token longer than block_size.
    tokens, n_prompts = _padded(tokenizer, pairs, block_size + 1)  # (B, L)
    x, y = tokens[:, :-1], tokens[:, 1:].clone()  # (B, L-1)
    # y[:, j] is token j+1; it belongs to the prompt when j+1 < n_prompt.
    position = torch.arange(y.size(1)).unsqueeze(0) + 1  # (1, L-1)
    y[position < torch.tensor(n_prompts).unsqueeze(1)] = IGNORE_INDEX
    y[y == tokenizer.pad_id] = IGNORE_INDEX
    return x, y


def sequence_batch(
    tokenizer: CharTokenizer, pairs: list[tuple[str, str]], block_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Whole templated sequences (B, L) ending in <eos>, and a mask (B, L) that is True on
    the answer tokens (the response and its <eos>) and False on prompt and padding."""
    tokens, n_prompts = _padded(tokenizer, pairs, block_size)  # (B, L)
    position = torch.arange(tokens.size(1)).unsqueeze(0)  # (1, L)
    answer_mask = (position >= torch.tensor(n_prompts).unsqueeze(1)) & (tokens != tokenizer.pad_id)
    return tokens, answer_mask


def prompt_batch(tokenizer: CharTokenizer, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Templated prompts, left-padded so that every row ends where its answer starts:
    ids (B, T) and pad_mask (B, T), True on the padding. For batched generation."""
    encoded = [tokenizer.encode(format_prompt(p)) for p in prompts]
    longest = max(len(ids) for ids in encoded)
    ids = torch.tensor([[tokenizer.pad_id] * (longest - len(e)) + e for e in encoded])  # (B, T)
    pad_mask = torch.tensor([[True] * (longest - len(e)) + [False] * len(e) for e in encoded])
    return ids, pad_mask
