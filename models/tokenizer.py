"""Character-level tokenizer and the chat template for the LLM lecture.

Every distinct character of the lecture's texts is one token, plus two special tokens:

    <pad>  fills out shorter sequences in a batch (after them for training, before them
           for generation); never a training target, never attended to
    <eos>  "end of sequence": the model emits it to say the answer is finished

Real tokenizers (BPE) merge frequent character pairs into tens of thousands of tokens; a
character vocabulary keeps V under a hundred, so a tiny model can learn it on a CPU and the
"random guessing" loss log(V) is easy to read off.

The chat template is plain text. A question-answer pair becomes

    "Q: <prompt>\\nA: <response><eos>"

so the pretrained model already knows every character of the template; what SFT adds is
the habit of answering after "A: " and of stopping with <eos>.
"""

from collections.abc import Iterable

PAD = "<pad>"
EOS = "<eos>"
SPECIAL_TOKENS = (PAD, EOS)


def format_prompt(prompt: str) -> str:
    """The text the model sees before its answer starts."""
    return f"Q: {prompt}\nA: "


class CharTokenizer:
    def __init__(self, chars: Iterable[str]):
        # Special tokens first (ids 0 and 1), then the characters in sorted order, so the
        # same texts always give the same ids.
        self.tokens = list(SPECIAL_TOKENS) + sorted(set(chars))
        self.stoi = {s: i for i, s in enumerate(self.tokens)}
        self.pad_id = self.stoi[PAD]
        self.eos_id = self.stoi[EOS]

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "CharTokenizer":
        """Every character of the texts, and those of the chat template."""
        return cls("".join(texts) + format_prompt(""))

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown!r}")
        return [self.stoi[c] for c in text]

    def decode(self, ids: Iterable[int]) -> str:
        """Text of the ids; stops at the first <eos> and drops <pad>."""
        out = []
        for i in ids:
            if i == self.eos_id:
                break
            if i != self.pad_id:
                out.append(self.tokens[i])
        return "".join(out)

    def encode_dialogue(self, prompt: str, response: str) -> tuple[list[int], int]:
        """Token ids of one templated pair, and how many of them belong to the prompt."""
        prompt_ids = self.encode(format_prompt(prompt))
        return prompt_ids + self.encode(response) + [self.eos_id], len(prompt_ids)
