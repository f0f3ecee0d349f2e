"""Word error rate of a transcript against the text that was spoken, for bench/speech.sh:
words lower-cased with punctuation dropped (as the Rust test does), then word-level edit
distance over the reference's word count. Usage: wer.py REFERENCE HYPOTHESIS"""

import re
import sys


def words(text: str) -> list[str]:
    return [w for w in (re.sub(r"[^\w]", "", w.lower()) for w in text.split()) if w]


def wer(reference: list[str], hypothesis: list[str]) -> float:
    row = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hypothesis, 1):
            previous, row[j] = row[j], min(previous + (r != h), row[j] + 1, row[j - 1] + 1)
    return row[-1] / max(len(reference), 1)


reference = words(open(sys.argv[1]).read())
hypothesis = words(open(sys.argv[2]).read())
print(f"{wer(reference, hypothesis):.3f}")
