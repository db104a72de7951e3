"""The language of a document, so pages the extractor was not built for are skipped, not mangled.

The rules and the model are English: a German page run through them yields
German nouns as places. py3langid (a maintained fork of langid.py; a naive
Bayes model shipped inside the package, no download, the same answer for the
same text) names the language; the run skips documents in languages not
listed in params.yaml `clean.languages`. Most pages are English, and
English prose is told in microseconds by its function words (the cleaner's
vocabulary lists them), so py3langid's model, 0.45 s to load, is loaded only
for a page that is not plainly English.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Below this many (whitespace-separated) words the guess is noise ("Sales rose 5 percent." reads as French).
MIN_WORDS = 20
# A guess less sure than this is no answer (None): never a reason to skip.
MIN_CONFIDENCE = 0.9
# Enough text to be sure, and a bound on the work for a huge page.
SAMPLE_CHARS = 20000
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(clean_text: str, page_text: str = "", english_words: frozenset[str] = frozenset(),
                    english_min_share: float = 1.0) -> str | None:
    """ISO 639-1 code of the document's language, or None when there is too little text to tell.

    The clean text is what the extractor reads; when cleaning kept too little
    of it (a page in a language whose paragraphs the English prose rules do
    not recognize), the whole page's text is used instead. A sample of which
    at least `english_min_share` of the words are `english_words` is English.
    """
    sample = clean_text if len(clean_text[:SAMPLE_CHARS].split()) >= MIN_WORDS else page_text
    sample = sample[:SAMPLE_CHARS]
    if len(sample.split()) < MIN_WORDS:
        return None
    if english_words and english_share(sample, english_words) >= english_min_share:
        return "en"
    language, confidence = _identifier().classify(sample)
    return language if confidence >= MIN_CONFIDENCE else None


def english_share(sample: str, english_words: frozenset[str]) -> float:
    """The share of the sample's words that are English function words (0 for a short sample)."""
    words = WORD.findall(sample.lower())
    if len(words) < MIN_WORDS:
        return 0.0
    return sum(1 for w in words if w in english_words) / len(words)


def skip_reason(language: str | None, languages: tuple[str, ...]) -> str | None:
    """`skipped: language de` for a language not asked for; None to go on.

    An empty `languages` asks for every language; an undetermined language
    is never skipped.
    """
    if language is None or not languages or language in languages:
        return None
    return f"skipped: language {language}"
