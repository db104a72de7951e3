#!/usr/bin/env python3
"""Write models/cleaning/stopwords.txt: spaCy's English stop words, one per line, sorted.

The cleaner measures how much of a line is function words to tell prose from
page furniture; reading this file instead of importing spaCy's stop-word list
keeps `pipeline clean` (and cached runs) from importing all of spaCy.

    .venv/bin/python scripts/build_stopwords.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy
from spacy.lang.en.stop_words import STOP_WORDS

OUT = Path(__file__).resolve().parent.parent / "models" / "cleaning" / "stopwords.txt"


def main() -> int:
    words = sorted({w.lower() for w in STOP_WORDS})
    OUT.write_text(f"# spaCy {spacy.__version__} English stop words (scripts/build_stopwords.py)\n"
                   + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(words)} words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
