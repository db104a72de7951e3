"""`news_resolve`: merge rule spans and statistical NER into `doc.ents`.

Rule spans (numbers, dates, names) win over the model where they overlap,
longest first. Model entities fill the rest after mapping labels
(GPE/LOC -> PLACE) and dropping the model's known confusions: events and
policies called ORG, lone surnames, photo credits, lower-case words.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.components.names import (BLOCK_LABEL, ORG_VERB_AFTER_RE, SPEECH_VERBS, NameDataUser, name_votes,
                                       org_evidence, person_last_name, place_evidence)
from pipeline.components.spans import doc_text, in_headline

SPANS_KEY = "news_rules"
NER_LABELS = {"ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE"}
STRIP_LEADING = {"the", "The"}
# "Korea International Trade Association (KITA)", "... Information Technology (MeitY)",
# "Federal Network Agency (Bundesnetzagentur)": a short form or native name in brackets.
# A press release's defined short name after its ticker: "Corvana Systems, Inc. (Nasdaq: CRVN) ("Corvana" or
# the "Company")".
ACRONYM_AFTER_RE = re.compile(r"\s*(?:\(\s*(?:Nasdaq|NASDAQ|NYSE|LSE|TSX|ASX|HKEX|SEHK|SGX|NSE|BSE|Euronext|OTC|OTCQX)"
                              r"[^()]{0,20}\)\s*)?\(\s*(?P<quote>[\"“])?(?P<short>[A-Z][A-Za-z&+.-]{1,24})[\"”]?"
                              r"(?:\s*(?:,|or)\s*(?:the\s+)?[\"“]\w+[\"”])?\s*\)")
STRIP_TRAILING = {"'s", "’s", "'", "’", ",", ".", ")", "(", "-", ":", ";", '"', "“", "”"}


@Language.factory(
    "news_resolve",
    assigns=["doc.ents"],
    default_config={"spans_key": SPANS_KEY, "labels": ["ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY"],
                    "names_component": "news_names"},
)
def make_news_resolve(nlp: Language, name: str, spans_key: str, labels: list[str],
                      names_component: str) -> "EntityResolver":
    return EntityResolver(nlp, name, spans_key, labels, names_component)


class EntityResolver(NameDataUser):
    """Chooses the final entities among rule candidates and model entities."""

    def __init__(self, nlp: Language, name: str, spans_key: str, labels: list[str], names_component: str):
        super().__init__(nlp, names_component)
        self.name = name
        self.spans_key = spans_key
        self.labels = set(labels)

    def __call__(self, doc: Doc) -> Doc:
        rules = [s for s in doc.spans.get(self.spans_key, []) if s.label_ in self.labels or s.label_ == BLOCK_LABEL]
        common_acronyms = _acronyms_of_common_nouns(doc_text(doc))
        # "new energy vehicles (NEVs)": the acronym of a common noun names no body, whoever proposes it
        rules = [s for s in rules if not (s.label_ in ("ORG", "PLACE") and s.text in common_acronyms)]
        rules = self._companies_named_after_places(doc, rules)
        rules = self._names_with_acronyms(doc, rules, common_acronyms)
        chosen = filter_spans(rules)
        taken = set()
        for span in chosen:
            taken.update(range(span.start, span.end))
        model = []
        for ent in doc.ents:
            span = self._from_model(doc, ent, common_acronyms)
            if span is not None and not any(k in taken for k in range(span.start, span.end)):
                model.append(span)
        spans = filter_spans(chosen + model)
        spans = self._propagate(doc, spans, rule_keys={(s.start, s.end) for s in chosen})
        doc.ents = sorted((s for s in spans if s.label_ != BLOCK_LABEL), key=lambda s: s.start)
        return doc

    def _names_with_acronyms(self, doc: Doc, rules: list[Span], common_acronyms: set[str]) -> list[Span]:
        """A capitalized name with its initials in brackets that acts somewhere in the text is an
        ORG, in any language: "Jeunes Agriculteurs (JA), said ...", "Mutualité Sociale Agricole
        (MSA)". Not when it ends in an event, plan or place word, nor when nothing in the text
        makes the name or the acronym act (Title Case terms: "Annual General Meeting (AGM)")."""
        shapes, gaz = self.shapes, self.gazetteer
        if shapes is None or gaz is None:
            return rules
        text = doc_text(doc)
        taken = [(s.start, s.end) for s in rules if s.label_ in ("ORG", BLOCK_LABEL)]
        added = []
        for m in DEFINED_ACRONYM_RE.finditer(text):
            name, acronym = m.group("name"), m.group("acronym")
            words = [w for w in name.split() if w.lower() not in ACRONYM_PARTICLES]
            if "".join(w[0] for w in words).upper() != acronym.upper().rstrip("S") or acronym in common_acronyms:
                continue
            span = doc.char_span(m.start("name"), m.end("name"))
            if span is None or len(span) < 2 or any(a < span.start < b or a < span.end < b for a, b in taken):
                continue  # a known name crosses its edge
            last = span[-1].text
            if last.title() in shapes.not_org_heads or last.lower() in shapes.designators or \
                    acronym.lower() in shapes.false_orgs or gaz.place_candidates(name):
                continue
            acts = ORG_VERB_AFTER_RE.match(text[m.end():].lstrip(",")) is not None
            if acts or name_votes(doc, name, shapes, gaz)[0] or name_votes(doc, acronym, shapes, gaz)[0]:
                added.append(Span(doc, span.start, span.end, label="ORG"))
        if not added:
            return rules
        inside = {(s.start, s.end) for a in added for s in rules if s.start >= a.start and s.end <= a.end}
        return [s for s in rules if (s.start, s.end) not in inside] + added

    def _companies_named_after_places(self, doc: Doc, rules: list[Span]) -> list[Span]:
        """The model's ORG "Tokyo Electron" over the rules' PLACE "Tokyo": a place inside an
        ORG name is not labeled (ANNOTATION.md). Taken only when the name reads as an
        organization ("Tokyo Electron, the world's third-largest chip equipment maker",
        a second mention) and adds a capitalized word that is not a place designator."""
        shapes, gaz = self.shapes, self.gazetteer
        if shapes is None or gaz is None:
            return rules
        places = [s for s in rules if s.label_ == "PLACE"]
        if not places:
            return rules
        replaced: set[tuple[int, int]] = set()
        added: list[Span] = []
        for ent in doc.ents:
            if ent.label_ != "ORG":
                continue
            start, end = ent.start, ent.end
            while start < end and doc[start].text in STRIP_LEADING:
                start += 1
            while end > start and (doc[end - 1].text in STRIP_TRAILING or doc[end - 1].is_punct):
                end -= 1
            if end - start < 2 or not doc[end - 1].text[:1].isupper() or "\n" in doc[start:end].text:
                continue
            inside = [s for s in rules if s.start < end and s.end > start]
            if not inside or any(s.label_ != "PLACE" or s.start < start or s.end > end for s in inside):
                continue
            covered = {k for s in inside for k in range(s.start, s.end)}
            rest = [doc[k] for k in range(start, end) if k not in covered]
            if not rest or not all(t.text[:1].isupper() and t.lower_ not in shapes.designators for t in rest):
                continue
            if in_headline(doc, start) or not org_evidence(doc, start, end, shapes, gaz):
                continue
            replaced.update((s.start, s.end) for s in inside)
            added.append(Span(doc, start, end, label="ORG"))
        if not added:
            return rules
        return [s for s in rules if (s.start, s.end) not in replaced or s.label_ != "PLACE"] + added

    def _propagate(self, doc: Doc, spans: list[Span], rule_keys: set) -> list[Span]:
        """One sense per document: a name labeled once is labeled the same everywhere.

        "Dinglou Village" makes a bare "Dinglou" a PLACE; a name the rules
        labeled overrides the model's label for the same text elsewhere, and
        mentions nobody labeled are added.
        """
        shapes = self.shapes
        names: dict[str, str] = {}
        for span in spans:
            if span.label_ not in ("ORG", "PLACE"):
                continue
            if (span.start, span.end) in rule_keys or span.text not in names:
                names.setdefault(span.text, span.label_)
                if (span.start, span.end) in rule_keys:
                    names[span.text] = span.label_
            if span.label_ == "PLACE" and shapes is not None and len(span) >= 2 and \
                    span[-1].text.lower() in shapes.designators and span[-1].text[0].isupper():
                names.setdefault(span[:-1].text, "PLACE")
        # "Industrial and Commercial Bank of China (ICBC)": the bracketed short form names the
        # same body, whatever the gazetteer says of the letters ("KITA" is also a Japanese ward).
        defined: set[str] = set()
        for span in spans:
            if span.label_ == "ORG":
                m = ACRONYM_AFTER_RE.match(doc_text(doc), span.end_char)
                short = m.group("short") if m and not TICKER_RE.fullmatch(m.group("short")) else ""
                if short and (m.group("quote") or short.isupper() or sum(c.isupper() for c in short) >= 2
                          or len(span) >= 2 and short not in doc_text(doc)[span.start_char:span.end_char]):
                    names[short] = "ORG"
                    defined.add(short)
        for short in self._short_company_names(doc, spans):
            names[short] = "ORG"
            defined.add(short)
        names = {k: v for k, v in names.items() if (len(k) >= 3 or k in defined) and k[0].isupper()}
        if not names:
            return spans
        out: list[Span] = []
        covered = set()
        for span in spans:
            label = span.label_
            if label in ("ORG", "PLACE") and span.text in names and (
                    (span.start, span.end) not in rule_keys or span.text in defined):
                label = names[span.text]
            out.append(span if label == span.label_ else Span(doc, span.start, span.end, label=label))
            covered.update(range(span.start, span.end))
        first_tokens: dict[str, list[str]] = {}
        for name in names:
            first_tokens.setdefault(name.split()[0].split("'")[0], []).append(name)
        for token in doc:
            if token.i in covered or token.text not in first_tokens and token.text.split("'")[0] not in first_tokens:
                continue
            for name in sorted(first_tokens.get(token.text, []) + first_tokens.get(token.text.split("'")[0], []),
                               key=len, reverse=True):
                span = doc.char_span(token.idx, token.idx + len(name))
                if span is None or span.text != name or any(k in covered for k in range(span.start, span.end)):
                    continue
                if span.end < len(doc) and _is_capitalized(doc[span.end]) and "\n" not in doc[span.end - 1].whitespace_:
                    continue  # part of a longer name ("Dinglou Primary School")
                if span.start > 0 and _is_capitalized(doc[span.start - 1]) and doc[span.start - 1].text not in (shapes.leading_stop if shapes else ()):
                    continue
                out.append(Span(doc, span.start, span.end, label=names[name]))
                covered.update(range(span.start, span.end))
                break
        return sorted(out, key=lambda s: s.start)

    def _short_company_names(self, doc: Doc, spans: list[Span]) -> list[str]:
        """What a company is called after its first mention: "Veloria Therapeutics, Inc." is
        later "Veloria", "Corvana Systems, Inc." "Corvana Systems", "Stonebridge Partners"
        "Stonebridge". Not a short form that is a place ("Tokyo" of "Tokyo Electric Power"),
        a surname, or a word the text also writes in lower case."""
        shapes, gaz = self.shapes, self.gazetteer
        if shapes is None or gaz is None:
            return []
        tails = shapes.company_tails | shapes.legal_suffixes | shapes.corporate_heads
        out: list[str] = []
        for span in spans:
            if span.label_ != "ORG" or len(span) < 2 or in_headline(doc, span.start):
                continue
            k = len(span)
            while k > 1 and (span[k - 1].text in shapes.legal_suffixes or span[k - 1].text in (",", ".")):
                k -= 1
            if k > 3 and span[k - 3:k].text in shapes.legal_suffixes:
                k -= 3  # "A/S"
            forms = [span[:k].text] if k < len(span) else []
            j = k
            while j > 1 and span[j - 1].text in tails:
                j -= 1
            if j < k:
                forms.append(span[:j].text)
            for form in forms:
                first = form.split()[0]
                if (len(form) >= 3 and form[0].isupper() and form not in out and not gaz.place_candidates(form)
                        and first not in shapes.surnames and first not in shapes.leading_stop
                        and not _written_lower(doc, form) and not any(t.is_stop for t in doc[span.start:span.start + 1])
                        and not name_votes(doc, form, shapes, gaz)[1]):  # "Pilbara Minerals" beside "Pilbara towns"
                    out.append(form)
        return out

    def _from_model(self, doc: Doc, ent: Span, common_acronyms: set[str]) -> Span | None:
        label = NER_LABELS.get(ent.label_)
        if label is None or label not in self.labels:
            return None
        start, end = ent.start, ent.end
        while start < end and (doc[start].text in STRIP_LEADING or doc[start].is_punct):
            start += 1
        while end > start and (doc[end - 1].text in STRIP_TRAILING or doc[end - 1].is_punct):
            end -= 1
        shapes, gaz = self.shapes, self.gazetteer
        if shapes is not None:  # "northwest China" is the place China
            while start < end and doc[start].lower_ in shapes.direction_words and doc[start].text.islower():
                start += 1
        if start >= end:
            return None
        span = doc[start:end]
        text = span.text
        if not any(c.isupper() for c in text) or "/" in text or "@" in text or "\n" in text:
            return None
        if TICKER_RE.fullmatch(text) or "," in text and not (gaz is not None and (gaz.org(text) or gaz.place_candidates(text))):
            return None  # a ticker "(XOM.N)"; "Yorkshire, Cumbria": two names the model ran together
        if shapes is not None:
            if text.lower() in shapes.false_orgs or doc[end - 1].text.title() in shapes.not_org_heads:
                return None
            if end < len(doc) and doc[start:end + 1].text.lower() in shapes.false_orgs:
                return None  # part of a known non-entity: "Taobao" in "Taobao Villages"
            if end - start == 1 and (text in shapes.surnames or text in shapes.ethnic_groups or text in shapes.leading_stop):
                return None
            if end - start == 1 and start > 0 and doc[start - 1].text in shapes.surnames:
                return None  # a given name: "Ma Xiping"
            if 2 <= end - start <= 3 and doc[start].text in shapes.surnames and not (
                    gaz is not None and (gaz.org(text) or gaz.place_candidates(text))):
                return None  # "Zhang Yan": a person's name
            if start > 0 and doc[start - 1].text == "/" or doc_text(doc)[max(0, ent.start_char - 1):ent.start_char] == "/":
                return None  # a photo credit "(Photo/Li Wei)"
        if text in common_acronyms:
            return None  # "new energy vehicle (NEV)": an abbreviation, not a name
        if in_headline(doc, start) and not (gaz is not None and (gaz.org(text) or gaz.place_candidates(text))):
            return None  # the model guesses wildly on Title Case Headlines
        if end - start == 1 and text.istitle() and _written_lower(doc, text) and not (
                gaz is not None and (gaz.org(text) or gaz.place_candidates(text))):
            return None  # "Tea has changed our lives." in an article about tea: a word, not a name
        if shapes is not None and text in shapes.not_places:
            return None  # "Earth", "the Milky Way"
        if end - start == 1 and person_last_name(doc, text) and (
                end < len(doc) and doc[end].lower_ in SPEECH_VERBS
                or not (gaz is not None and (gaz.org(text) or gaz.place_candidates(text)))):
            return None  # "Lincoln said", "Attal scraps diesel tax hike", after "Gabriel Attal": the person
        if shapes is not None and end - start == 1 and text in shapes.generic_bodies:
            return None  # the "Company" a press release defines, "the Government": common nouns
        if shapes is not None and end < len(doc) and doc[end].lower_ in shapes.index_words and label == "ORG":
            return None  # "the Kospi index", "the Sensex benchmark": an index, not a body
        if gaz is not None:
            if label == "ORG" and gaz.place_candidates(text) and not gaz.org(text):
                label = "PLACE"
            elif label == "PLACE" and gaz.org(text):
                label = "ORG"
            elif not gaz.place_candidates(text) and not gaz.org(text):
                # Unknown to the gazetteers: the model's least reliable guesses. Keep them only
                # with evidence in the text, weighed over all the name's mentions: "Eskom said",
                # "Eskom's chief executive" outvote "bills to Eskom". A name said to be somewhere
                # ("residents of Flagstaff", "the port of Hakata") and never to act is a place at
                # every mention; with no cue either way, a name mentioned twice keeps the ORG label.
                if end < len(doc) and doc[end].text in shapes.portfolio_titles:
                    return None  # "Finance Minister Enoch Godongwana": a portfolio
                org_votes, place_votes = name_votes(doc, text, shapes, gaz)
                if place_votes == 0 and _placed_elsewhere(doc, text, gaz, label):
                    place_votes = 1
                if org_votes > place_votes:
                    label = "ORG"
                elif place_votes > org_votes:
                    label = "PLACE"
                elif org_votes == 0 and (label == "PLACE" or not org_evidence(doc, start, end, shapes, gaz)):
                    return None
        return Span(doc, start, end, label=label)


# "Food Security and Nutrition Analysis Unit (FSNAU)": a name and its initials.
ACRONYM_PARTICLES = frozenset({"of", "for", "and", "the", "de", "des", "du", "la", "le", "et", "ng", "di", "del"})
DEFINED_ACRONYM_RE = re.compile(rf"(?P<name>(?!The\s)(?:[A-Z][\w'’-]+\s(?:(?:{'|'.join(sorted(ACRONYM_PARTICLES))})\s)?){{1,7}}"
                                r"[A-Z][\w'’-]+)\s\((?P<acronym>[A-Z]{2,7}s?|[A-Z][a-z]{2,5})\)")  # "(Aemo)" too
# Exchange tickers as Reuters writes them: "SHEL.L", "TTEF.PA", "NEXT.O".
TICKER_RE = re.compile(r"[A-Z0-9]{1,6}\.[A-Z]{1,2}")
# Where a name is said to be somewhere, at any of its mentions ("in" only for the model's places:
# "a stake in X" is a company).
PLACED_BEFORE_RE = re.compile(r"\b(?i:near|outside|around|across|throughout|residents of|port of|city of|town of|"
                              r"village of|based in|located in|headquartered in|born in)\s$")
PLACED_IN_RE = re.compile(r"\b(?i:in)\s$")


def _placed_elsewhere(doc: Doc, text: str, gaz, label: str) -> bool:
    """Some other mention of `text` has a place cue before it, or is followed by "-based"."""
    found = doc.user_data.setdefault("news.placed", {})
    key = (text, label)
    if key not in found:
        body = doc_text(doc)
        found[key] = False
        for m in re.finditer(rf"(?<![\w-]){re.escape(text)}(?![\w])", body):
            before = body[max(0, m.start() - 30):m.start()]
            if PLACED_BEFORE_RE.search(before) or (label == "PLACE" and PLACED_IN_RE.search(before)) \
                    or body.startswith("-based", m.end()):
                found[key] = True
                break
    return found[key]


def _written_lower(doc: Doc, text: str) -> bool:
    """Whether the word also occurs in lower case in the Doc ("tea" beside a sentence-initial "Tea")."""
    lowered = doc.user_data.setdefault("news.lower_words", {})
    if text not in lowered:
        lowered[text] = re.search(rf"(?<![\w-]){re.escape(text.lower())}(?![\w-])", doc_text(doc)) is not None
    return lowered[text]


def _is_capitalized(token) -> bool:
    return token.text[:1].isupper()


def _acronyms_of_common_nouns(text: str) -> set[str]:
    """Acronyms the text defines for lower-case phrases: "new energy vehicle (NEV)"."""
    found = set()
    for m in re.finditer(r"\(([A-Z]{2,6})s?\)", text):
        acronym = m.group(1)
        words = re.findall(r"[A-Za-z][\w'-]*", text[max(0, m.start() - 80):m.start()])[-len(acronym):]
        initials = "".join(w[0] for w in words).upper()
        if initials == acronym and sum(1 for w in words[1:] if w[0].islower()) >= len(words[1:]) - 0 and words[1:]:
            found.add(acronym)
            found.add(acronym + "s")
    return found
