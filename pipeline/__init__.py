"""News extraction pipeline: raw articles in, clean text and normalized entities out.

The library is importable without the CLI::

    from pipeline import Settings, process_corpus
    summary = process_corpus(Path("corpus"), Path("outputs"), Settings.load())
"""

__version__ = "0.1.0"

__all__ = ["Settings", "process_corpus", "read_outputs", "__version__"]


def __getattr__(name):  # lazy, so `import pipeline.clean.cleaner` does not load spaCy
    if name == "Settings":
        from pipeline.settings import Settings

        return Settings
    if name == "process_corpus":
        from pipeline.run.corpus import process_corpus

        return process_corpus
    if name == "read_outputs":
        from pipeline.review.tables import read_outputs

        return read_outputs
    raise AttributeError(name)
