"""spaCy components of the news pipeline, registered on import.

Each rule component adds candidate spans to ``doc.spans["news_rules"]``;
``news_resolve`` merges them with the statistical NER into ``doc.ents``.
"""

from pipeline.components import dates, names, numbers, resolve  # noqa: F401

RULES_KEY = "news_rules"
