"""The language of a document, so pages the extractor was not built for are skipped, not mangled.

The rules and the model are English: a German page run through them yields
German nouns as places. py3langid (a maintained fork of langid.py; a naive
Bayes model shipped inside the package, no download, the same answer for the
same text) names the language; the run skips documents in languages not
listed in params.yaml `clean.languages`.
"""

from __future__ import annotations

from functools import lru_cache

# Below this many (whitespace-separated) words the guess is noise ("Sales rose 5 percent." reads as French).
MIN_WORDS = 20
# A guess less sure than this is no answer (None): never a reason to skip.
MIN_CONFIDENCE = 0.9
# Enough text to be sure, and a bound on the work for a huge page.
SAMPLE_CHARS = 20000


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(clean_text: str, page_text: str = "") -> str | None:
    """ISO 639-1 code of the document's language, or None when there is too little text to tell.

    The clean text is what the extractor reads; when cleaning kept too little
    of it (a page in a language whose paragraphs the English prose rules do
    not recognize), the whole page's text is used instead.
    """
    sample = clean_text if len(clean_text[:SAMPLE_CHARS].split()) >= MIN_WORDS else page_text
    sample = sample[:SAMPLE_CHARS]
    if len(sample.split()) < MIN_WORDS:
        return None
    language, confidence = _identifier().classify(sample)
    return language if confidence >= MIN_CONFIDENCE else None


def skip_reason(language: str | None, languages: tuple[str, ...]) -> str | None:
    """`skipped: language de` for a language not asked for; None to go on.

    An empty `languages` asks for every language; an undetermined language
    is never skipped.
    """
    if language is None or not languages or language in languages:
        return None
    return f"skipped: language {language}"
