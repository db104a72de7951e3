"""spaCy components of the news pipeline, registered on import.

Each rule component adds candidate spans to ``doc.spans["news_rules"]``;
``news_resolve`` merges them with the statistical NER into ``doc.ents``.
"""

import spacy

from pipeline.components import dates, ground, names, numbers, resolve, values  # noqa: F401

RULES_KEY = "news_rules"


@spacy.registry.callbacks("news.tokenizer_prefixes.v1")
def make_tokenizer_prefixes():
    """Split a leading "/" off a word: photo credits end "... 2022. /CGTN" with the outlet glued to it."""

    def add_prefixes(nlp):
        prefixes = list(nlp.Defaults.prefixes) + [r"/(?=[A-Z])"]
        nlp.tokenizer.prefix_search = spacy.util.compile_prefix_regex(prefixes).search
        return nlp

    return add_prefixes


@spacy.registry.callbacks("news.tokenizer.v2")
def make_tokenizer():
    """v1's prefix, plus infixes: a hyphen after an abbreviation's dot ("U.S.-Mexico" is three
    tokens, so hyphen-joined places split, as "Japan-Korea" already does), and dashes and
    brackets glued to words in wire datelines ("SHANGHAI--(BUSINESS WIRE)--Calloway")."""

    def customize(nlp):
        # Each change of a tokenizer regex re-adds every special case (0.02 s a time):
        # make the changes with no special cases, then add them once.
        tokenizer = nlp.tokenizer
        rules, tokenizer.rules = tokenizer.rules, {}
        make_tokenizer_prefixes()(nlp)
        infixes = list(nlp.Defaults.infixes) + [
            r"(?<=[A-Z]\.)-(?=[A-Z])",  # "U.S.-Mexico"
            r"--+|—",  # "SHANGHAI--(BUSINESS WIRE)--Calloway": dashes glued to words
            r"(?<=[\w-])\((?=[A-Z])", r"(?<=[A-Z])\)(?=[-\w])",
        ]
        tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
        tokenizer.rules = rules
        return nlp

    return customize
