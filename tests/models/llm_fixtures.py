"""A tiny stand-in for models/data/llm/: the same four files, a few lines each, so the
LLM tests do not depend on the real data's exact contents."""

import json
from pathlib import Path

CORPUS = (
    "Before starting any new medicine, check the list of current medicines.\n"
    "Check kidney function before starting a drug. Stop metformin when the eGFR is below 30.\n"
    "Warfarin with ibuprofen raises the risk of bleeding. Check the INR within five days.\n"
    "Lithium levels rise with diuretics; check the level after a week. Avoid the combination.\n"
) * 8

SFT = [
    ("Can ibuprofen be given with warfarin?", "Avoid it; use paracetamol and check for bleeding."),
    ("A patient on lithium starts a diuretic. What now?", "Check the lithium level within a week."),
    ("Is metformin safe with an eGFR of 20?", "Stop metformin, because of lactic acidosis."),
    ("What should be checked before a new drug?", "Check kidney function, liver function and allergies."),
    ("A patient on warfarin starts an antibiotic. What now?", "Check the INR within five days."),
    ("Can lithium be combined with ibuprofen?", "Avoid it; NSAIDs raise lithium levels."),
]
PREFERENCES = [
    ("Can warfarin be taken with ibuprofen?", "Avoid it; bleeding risk.", "Yes, that is fine, no need to check."),
    ("Is metformin fine with an eGFR of 25?", "Stop metformin.", "Continue it, kidney function does not matter."),
    ("Lithium with a diuretic?", "Check the lithium level within a week, because it rises.", "No change."),
    ("Warfarin and a new antibiotic?", "Check the INR within five days.", "Nothing is needed at all here."),
    ("Ibuprofen with lithium?", "Avoid it.", "It is fine to combine them."),
    ("Check kidney function first?", "Yes, check the eGFR before starting.", "No."),
    ("A patient on lithium gets ibuprofen. Safe?", "Avoid it; check the lithium level.", "Safe, no need."),
    ("Metformin and eGFR 18?", "Stop metformin now.", "Keep the dose, it is fine."),
    ("Warfarin and aspirin together?", "Avoid unless a specialist advises it.", "A good idea."),
]


def write_llm_data(directory: Path) -> Path:
    """Write corpus.txt, sft.jsonl, preferences.jsonl and cases.json into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "corpus.txt").write_text(CORPUS)
    with open(directory / "sft.jsonl", "w") as f:
        for i, (prompt, response) in enumerate(SFT):
            split = "heldout" if i >= 4 else "train"
            f.write(json.dumps({"id": f"sft-{i}", "split": split, "prompt": prompt, "response": response}) + "\n")
    with open(directory / "preferences.jsonl", "w") as f:
        for i, (prompt, chosen, rejected) in enumerate(PREFERENCES):
            split = "heldout" if i >= 6 else "train"
            row = {"id": f"pref-{i}", "split": split, "prompt": prompt, "chosen": chosen, "rejected": rejected}
            f.write(json.dumps(row) + "\n")
    cases = {
        "metformin": {
            "prompt": "A patient on metformin now has an eGFR of 25. What should be done?",
            "reference_response": "Stop metformin, because an eGFR below 30 raises the risk of lactic acidosis.",
            "unsafe_response": "Continue metformin. It is fine.",
        },
        "probe_sentence": "Check the INR within five days.",
    }
    (directory / "cases.json").write_text(json.dumps(cases, indent=2) + "\n")
    return directory
