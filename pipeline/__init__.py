"""News extraction pipeline: raw articles in, clean text and normalized entities out.

The library is importable without the CLI::

    from pipeline import extract, extract_file, Settings, process_corpus
    entities = extract("Sales rose 30 percent to 120 million yuan last year.", published="2020-05-06")
    summary = process_corpus(Path("corpus"), Path("outputs"), Settings.load())
"""

__version__ = "0.1.0"

__all__ = ["Entity", "Settings", "extract", "extract_file", "process_corpus", "read_outputs", "__version__"]


def __getattr__(name):  # lazy, so `import pipeline.clean.cleaner` does not load spaCy
    if name == "Settings":
        from pipeline.settings import Settings

        return Settings
    if name in ("extract", "extract_file"):
        from pipeline import api

        return getattr(api, name)
    if name == "Entity":
        from pipeline.records import Entity

        return Entity
    if name == "process_corpus":
        from pipeline.run.corpus import process_corpus

        return process_corpus
    if name == "read_outputs":
        from pipeline.review.tables import read_outputs

        return read_outputs
    raise AttributeError(name)
