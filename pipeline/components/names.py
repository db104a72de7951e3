"""`news_names`: ORG and PLACE spans from name shapes and gazetteers.

The statistical model misses names it has not seen ("Pinduoduo") and
misjudges Chinese place names; these rules cover what is regular:

- capitalized runs containing an organization head ("... Foundation",
  "Ministry of ...", "... Co., Ltd") are ORG;
- a name followed by a place designator ("Dangshan county", "Daiji
  Township") is a PLACE with the designator; coordinated names sharing a
  plural designator ("Xinjiang Uygur and Tibet autonomous regions") are
  PLACEs without it;
- known organizations and places (models/gazetteer/) are ORG / PLACE;
- domain names ("chinadaily.com.cn") are ORG; compass regions ("East China").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.components.serialize import write_files
from pipeline.components.spans import doc_text, in_headline
from pipeline.components.gazetteer import Gazetteer, load_gazetteer

SPANS_KEY = "news_rules"
# Spans with this label block other labels inside them and are then dropped.
BLOCK_LABEL = "NOT_AN_ENTITY"
DOMAIN_RE = re.compile(
    r"(?<![@\w.-])(?:www\.)?(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:com|cn|org|net|gov|edu|io|info|news)(?:\.cn|\.hk|\.uk)?(?![\w@-]|\.\w)"
)
POSSESSIVE = ("'s", "’s")
# "18th Central Commission for Discipline Inspection": an ordinal that belongs to a body's name.
ORDINAL_RE = re.compile(r"\d{1,3}(?:st|nd|rd|th)|First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth")


# "in Brunsbuettel", "visited Pittsburgh": a preposition or verb that introduces a place.
_CALENDAR_WORD = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                  r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
PLACE_CUE_BEFORE_RE = re.compile(r"\b(?i:in|at|from|near|to|across|outside|around|of|toward|towards|visited|via|"
                                 rf"between|into|throughout) (?:(?!{_CALENDAR_WORD})[A-Z][\w.-]*(?: [A-Z][\w.-]*)?,? )*"
                                 r"(?:and |or )?$")
# "towns such as X and Y", "ports including X, Y and Z": places follow.
PLACE_LIST_BEFORE_RE = re.compile(r"\b(?i:towns|cities|counties|villages|ports|regions|provinces|states|countries|"
                                  r"districts|municipalities|islands)\s+(?:such as|including|like|of)\s+"
                                  r"(?:[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*)?(?:,\s+|\s+and\s+|\s+or\s+))*$")
# A name coordinated with another: "Sunderland, X", "X and Wolverhampton".
COORDINATED_BEFORE_RE = re.compile(r"(?:^|[^\w.'-])([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})(?:,| and| or) $")
COORDINATED_AFTER_RE = re.compile(r"^(?:,| and| or) ([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2}?)(?=[,.;:]| and| or|$| [a-z])")
# "a Pittsburgh-based company", "Teesside-born": the name before is where something is.
PLACE_CUE_AFTER_RE = re.compile(r"-(?:based|headquartered|born|registered|bound)\b|"
                                r" (?:towns|villages|region|coast|coastline|hinterland|outback)\b")  # "Pilbara towns"
# "Calloway Diagnostics, a developer of ...", "Xunjie, a Shenzhen-based startup": an organization.
ORG_APPOSITIVE_RE = re.compile(r"^,? (?:a|an|the) [^.;:]{0,50}?\b(?:company|firm|startup|start-up|maker|developer|"
                               r"group|bank|lender|retailer|platform|operator|provider|supplier|producer|"
                               r"manufacturer|agency|publisher|broadcaster|carrier|insurer|consultancy|"
                               r"conglomerate|subsidiary|unit|utility|exporter|importer|miner|chipmaker|"
                               r"carmaker|automaker|e-commerce)\b")
# "companies such as X and Y", "platforms including X, Y and Z".
ORG_LIST_BEFORE_RE = re.compile(r"\b(?i:companies|firms|platforms|startups|start-ups|rivals|brands|makers|retailers|"
                                r"lenders|banks|groups|apps|marketplaces|suppliers|operators|players|customers|clients|"
                                r"partners|subsidiaries|competitors|peers|investors|backers)\s+"
                                r"(?:such as|including|like|include|includes|included)\s+"
                                r"(?:[A-Z][\w.&'-]*(?:\s[A-Z][\w.&'-]*){0,3}(?:,\s+(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+))*$")
# "shares of X", "CEO of X", "an analyst at X", "head of procurement at X": an organization follows.
ORG_CUE_BEFORE_RE = re.compile(r"\b(?i:shares|stock|stake|CEO|chief executive|chairman|chairwoman|president|founder|"
                               r"co-founder|spokesperson|spokesman|spokeswoman|director|analysts?|economists?|"
                               r"executives?|officials?|employees?|staff|engineers?|researchers?|"
                               r"head of [a-z]+|chief [a-z]+ officer|such as|including) (?:of |at |for )?$|"
                               r"\b(?i:shares|stake|stakes|investment|invested|invests|invest|investing) in $|"
                               # "head of valuation and advisory at X", "a senior analyst at X"
                               r"\b(?i:head|director|partner|analyst|economist|strategist|professor|manager|officer|"
                               r"adviser|advisor|consultant|lawyer|associate|fellow|researcher)\b[^.,;:]{0,40}\bat $|"
                               # "according to estimates by X", "data from X": a source that publishes
                               r"\b(?i:according to|estimates by|estimates from|data from|figures from|research by|"
                               r"report by|survey by|analysis by|compiled by)(?: (?i:estimates|data|figures) (?i:by|from))?"
                               r" (?:the )?$")
# "Germany's Uniper", "Tata Group's Agratas": an unknown name owned by a known country or body.
POSSESSOR_RE = re.compile(r"((?:[A-Z][\w.&-]*\s){0,3}[A-Z][\w.&-]*)['’]s $")
OWNED_ACTS_RE = re.compile(r"^,? (?:said|says|signed|agreed|bought|sold|announced|will|would|plans|has|had|"
                           r"reported|posted|raised|cut|chief|CEO|shares|in (?:January|February|March|April|May|"
                           r"June|July|August|September|October|November|December))\b")
# A stock ticker right after a name: "Shell (SHEL.L)", "Nordvik (Nasdaq Stockholm: NORD)".
TICKER_AFTER_RE = re.compile(r"^,? \((?:[A-Z0-9]{1,6}\.[A-Z]{1,2}|(?:Nasdaq|NASDAQ|NYSE|LSE|TSX|TSXV|ASX|HKEX|SEHK|SGX|NSE|"
                             r"BSE|Euronext|OTC|OTCQX|OTCQB)[^()]{0,24}:\s?[A-Z0-9.]{1,8})\)")
# Internal capitals make a company name: "QatarEnergy", "ConocoPhillips", "RoboNeat".
CAMEL_CASE_RE = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z0-9]+)+")


# Endings of nationality adjectives ("Canadian", "Chinese", "Thai" is caught by the model's NORP alone).
DEMONYM_RE = re.compile(r"(?:an|ese|ish|ic|i)$")
# A lone last name of a person named earlier is the person when it speaks ("Phoenix said").
SPEECH_VERBS = frozenset({"said", "says", "told", "added", "explained", "noted", "wrote", "asked", "argued",
                          "stressed", "warned", "recalled", "insisted", "agreed"})


def place_evidence(doc: Doc, start: int, end: int, gaz: Gazetteer, town: bool = False) -> bool:
    """The text says tokens start..end name a place: "in Brunsbuettel", "Morgantown, West
    Virginia", or an all-capital dateline at the start of a line ("DOHA, March 3")."""
    text = doc_text(doc)
    span = doc[start:end]
    before = text[max(0, span.start_char - 60):span.start_char]
    if PLACE_CUE_BEFORE_RE.search(before) or PLACE_CUE_AFTER_RE.match(text[span.end_char:span.end_char + 20]):
        return True
    if PLACE_LIST_BEFORE_RE.search(text[max(0, span.start_char - 120):span.start_char]):
        return True  # "towns such as Guildford and Harrogate"
    m = COORDINATED_BEFORE_RE.search(before) or COORDINATED_AFTER_RE.match(text[span.end_char:span.end_char + 40])
    if m and (gaz.places.get(m.group(1)) or town and gaz.minor_places.get(m.group(1))):
        return True  # "Sunderland, Stockton-on-Tees and Wolverhampton": a town listed with another place
    m = re.match(r", ((?:[A-Z][\w.]*\s?){1,3})", text[span.end_char:span.end_char + 40])
    if m and gaz.place_candidates(m.group(1).strip().rstrip(".,")):
        return True
    line_start = text.rfind("\n", 0, span.start_char) + 1
    return span.text.isupper() and not text[line_start:span.start_char].strip()


def org_shape_or_cue(doc: Doc, start: int, end: int, gaz: Gazetteer | None = None,
                     shapes: NameShapes | None = None) -> bool:
    """A capitalized name the gazetteers do not know reads as an organization from its
    shape (internal capitals) or from what surrounds it: an appositive ("X, a Hangzhou-based
    startup"), a list of firms ("platforms such as X and Y"), a role ("an analyst at X",
    "shares of X"), or a known country or body owning it ("Italy's Snam")."""
    text = doc_text(doc)
    span = doc[start:end]
    if end - start == 1 and CAMEL_CASE_RE.fullmatch(span.text):
        return True
    if TICKER_AFTER_RE.match(text[span.end_char:span.end_char + 30]):
        return True  # "Shell (SHEL.L)", "Corvana Systems (Nasdaq: CRVN)": a listed company
    if ORG_APPOSITIVE_RE.match(text[span.end_char:span.end_char + 80]):
        return True
    before = text[max(0, span.start_char - 120):span.start_char]
    if ORG_LIST_BEFORE_RE.search(before) or ORG_CUE_BEFORE_RE.search(before[-60:]):
        return True
    m = POSSESSOR_RE.search(before[-60:])
    if m and gaz is not None and OWNED_ACTS_RE.match(text[span.end_char:span.end_char + 30]):
        owner = m.group(1)  # "Italy's Snam bought": a country's company acts; "Korea's Kospi gained" is an index
        return any(p.level == "country" for p in gaz.place_candidates(owner))
    return False


# What makes a model's name an organization besides the shared cues: "X said", "X's shares".
ORG_VERB_AFTER_RE = re.compile(r"^(?:['’]s)? (?:(?:also|has|have|had|will|would|later|previously|recently|then|again) )?"
                               r"(?:said|says|announced|announces|reported|reports|told|posted|launched|unveiled|"
                               r"plans|planned|expects|expected|urged|warned|confirmed|denied|agreed|signed|acquired|"
                               r"bought|hired|filed|employs|shares|stock|spokesperson|spokesman|spokeswoman|chief|"
                               r"CEO|chairman|chairwoman|board|executives?|customers|employees|subsidiary|"
                               r"(?:interim|acting|new|former) (?:chief|CEO|chairman|head|boss))\b")


def name_votes(doc: Doc, text: str, shapes, gaz) -> tuple[int, int]:
    """(mentions of `text` with an organization cue, mentions with a place cue), once per Doc."""
    votes = doc.user_data.setdefault("news.name_votes", {})
    if text not in votes:
        body = doc_text(doc)
        org = place = 0
        for m in re.finditer(rf"(?<![\w-]){re.escape(text)}(?![\w-])", body):
            span = doc.char_span(m.start(), m.end())
            if span is None:
                continue
            if PLACE_LIST_BEFORE_RE.search(body[max(0, m.start() - 120):m.start()]):
                place += 1  # "towns such as Guildford": said to be a place, whatever else lists it
            elif org_evidence(doc, span.start, span.end, shapes, gaz, count_mentions=False):
                org += 1
            elif place_evidence(doc, span.start, span.end, gaz):
                place += 1
        votes[text] = (org, place)
    return votes[text]


def org_evidence(doc: Doc, start: int, end: int, shapes, gaz, count_mentions: bool = True) -> bool:
    """Text around a name that marks it as an organization, or (`count_mentions`) a second mention of it."""
    text = doc_text(doc)
    span = doc[start:end]
    if shapes is not None and any(t.text in shapes.org_heads or t.text in shapes.legal_suffixes for t in span):
        return True
    if org_shape_or_cue(doc, start, end, gaz, shapes) or ORG_VERB_AFTER_RE.match(text[span.end_char:span.end_char + 40]):
        return True
    if not count_mentions or len(span.text) < 3 or span.text.isupper():
        return False
    counts = doc.user_data.setdefault("news.mention_counts", {})
    if span.text not in counts:  # each distinct name counted once per Doc
        counts[span.text] = text.count(span.text)
    return counts[span.text] >= 2


def _town_not_outvoted(doc: Doc, text: str, shapes: NameShapes, gaz: Gazetteer) -> bool:
    """A town's name that the text more often makes act ("Halden said", "Halden's board") is a
    company's: a minor place only when its mentions read as a place at least as often."""
    org, place = name_votes(doc, text, shapes, gaz)
    return org <= place


def _person_tokens(doc: Doc) -> frozenset[int]:
    """Token indices inside multi-word PERSON entities, computed once per Doc
    (Doc.ents rebuilds every span on each access)."""
    tokens = doc.user_data.get("news.persons")
    if tokens is None:
        tokens = doc.user_data["news.persons"] = frozenset(t.i for ent in _persons(doc) for t in ent)
    return tokens


def _nationality_tokens(doc: Doc) -> frozenset[int]:
    """Tokens of the model's one-word NORP entities ("Thai", "Vietnamese"), once per Doc."""
    tokens = doc.user_data.get("news.norp")
    if tokens is None:
        tokens = doc.user_data["news.norp"] = frozenset(e.start for e in doc.ents if e.label_ == "NORP" and len(e) == 1)
    return tokens


def _persons(doc: Doc) -> list[Span]:
    """The model's multi-word PERSON entities, listed once per Doc."""
    persons = doc.user_data.get("news.person_spans")
    if persons is None:
        persons = doc.user_data["news.person_spans"] = [e for e in doc.ents if e.label_ == "PERSON" and len(e) > 1]
    return persons


@dataclass(frozen=True)
class NameShapes:
    """Compiled models/patterns/names.yml."""

    org_heads: frozenset[str]
    not_org_heads: frozenset[str]
    connectors: frozenset[str]
    leading_stop: frozenset[str]
    designators: dict[str, str]  # lower-case phrase -> level
    designators_plural: tuple[str, ...]
    false_orgs: frozenset[str]  # lower case
    surnames: frozenset[str]
    ethnic_groups: frozenset[str]
    credit_cues: tuple[str, ...]
    legal_suffixes: frozenset[str]
    run_breakers: frozenset[str]
    org_cue_nouns: frozenset[str]
    compass_re: re.Pattern
    direction_words: frozenset[str] = frozenset()
    not_places: frozenset[str] = frozenset()
    facility_words: frozenset[str] = frozenset()
    person_titles: frozenset[str] = frozenset()
    place_prefixes: frozenset[str] = frozenset()
    company_tails: frozenset[str] = frozenset()
    county_prefixes: frozenset[str] = frozenset()
    title_words: frozenset[str] = frozenset()
    corporate_heads: frozenset[str] = frozenset()
    generic_bodies: frozenset[str] = frozenset()
    index_words: frozenset[str] = frozenset()
    portfolio_titles: frozenset[str] = frozenset()


@lru_cache(maxsize=4)
def load_shapes(path: Path) -> NameShapes:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    compass = "|".join(sorted(data["region_compass"], key=len, reverse=True))
    return NameShapes(
        org_heads=frozenset(data["org_heads"]),
        not_org_heads=frozenset(data.get("not_org_heads", [])),
        connectors=frozenset(data["connectors"]),
        leading_stop=frozenset(data["leading_stop"]),
        designators={k.lower(): v for k, v in data["place_designators"].items()},
        designators_plural=tuple(sorted(data["place_designators_plural"], key=len, reverse=True)),
        false_orgs=frozenset(w.lower() for w in data["false_orgs"]),
        surnames=frozenset(data["surnames"]),
        ethnic_groups=frozenset(data.get("ethnic_groups", [])),
        credit_cues=tuple(data.get("credit_cues", [])),
        legal_suffixes=frozenset(data.get("legal_suffixes", [])),
        run_breakers=frozenset(data.get("run_breakers", [])),
        org_cue_nouns=frozenset(data.get("org_cue_nouns", [])),
        # Capitalized only: "northwest China" is the place China (ANNOTATION.md, direction words).
        compass_re=re.compile(rf"\b(?:{compass}|(?:North|South)-(?:east|west))(?:-| )(?:China|Asia|Europe|Africa)\b"),
        direction_words=frozenset(data.get("direction_words", [])),
        not_places=frozenset(data.get("not_places", [])),
        facility_words=frozenset(data.get("facility_words", [])),
        person_titles=frozenset(data.get("person_titles", [])),
        place_prefixes=frozenset(data.get("place_prefixes", [])),
        company_tails=frozenset(data.get("company_tails", [])),
        county_prefixes=frozenset(data.get("county_prefixes", [])),
        title_words=frozenset(data.get("title_words", [])),
        corporate_heads=frozenset(data.get("corporate_heads", [])),
        generic_bodies=frozenset(data.get("generic_bodies", [])),
        index_words=frozenset(data.get("index_words", [])),
        portfolio_titles=frozenset(data.get("portfolio_titles", [])),
    )


@Language.factory("news_names", assigns=["doc.spans"], default_config={"spans_key": SPANS_KEY})
def make_news_names(nlp: Language, name: str, spans_key: str) -> "NamesRecognizer":
    return NamesRecognizer(name, spans_key)


class NameDataComponent:
    """Base of the components that own the name shapes and gazetteers.

    `initialize` reads them from models/ (names.yml and the gazetteer TSVs);
    `to_disk` saves them inside the pipeline (the shapes file as it is, the
    gazetteer as built lookup tables in msgpack), so a saved pipeline is
    complete. news_resolve and news_ground read this data from the
    news_names component instead of holding copies.
    """

    SHAPES_FILE = "names.yml"
    GAZETTEER_FILE = "gazetteer.msgpack"

    def __init__(self, name: str, spans_key: str = SPANS_KEY):
        self.name = name
        self.spans_key = spans_key
        self.shapes: NameShapes | None = None
        self.gazetteer: Gazetteer | None = None
        self._shapes_bytes = b""

    def initialize(self, get_examples=None, *, nlp=None, shapes_path: str = "", gazetteer_dir: str = "") -> None:
        self._shapes_bytes = Path(shapes_path).read_bytes()
        self.shapes = load_shapes(Path(shapes_path))
        self.gazetteer = load_gazetteer(Path(gazetteer_dir))

    def to_disk(self, path, exclude=()):
        if self.gazetteer is None:
            raise ValueError(f"[E-NEWS-001] {self.name} is not initialized: nothing to save")
        write_files(path, {self.SHAPES_FILE: self._shapes_bytes, self.GAZETTEER_FILE: self.gazetteer.to_bytes()},
                    {"version": 1})

    def from_disk(self, path, exclude=()):
        path = Path(path)
        self._shapes_bytes = (path / self.SHAPES_FILE).read_bytes()
        self.shapes = load_shapes(path / self.SHAPES_FILE)
        self.gazetteer = Gazetteer.from_bytes((path / self.GAZETTEER_FILE).read_bytes())
        return self


class NameDataUser:
    """A component that reads the shapes and gazetteer of the news_names component."""

    def __init__(self, nlp: Language, names_component: str):
        self.nlp = nlp
        self.names_component = names_component

    @property
    def _owner(self) -> NameDataComponent | None:
        if self.names_component in self.nlp.component_names:
            return self.nlp.get_pipe(self.names_component)
        return None

    @property
    def shapes(self) -> NameShapes | None:
        owner = self._owner
        return owner.shapes if owner is not None else None

    @property
    def gazetteer(self) -> Gazetteer | None:
        owner = self._owner
        return owner.gazetteer if owner is not None else None


class NamesRecognizer(NameDataComponent):
    """Adds ORG/PLACE candidates from name shapes and gazetteers."""

    def __call__(self, doc: Doc) -> Doc:
        if self.shapes is None or self.gazetteer is None:
            import warnings

            warnings.warn(f"[W-NEWS-002] {self.name} is not initialized: no name rules applied")
            return doc
        group = list(doc.spans.get(self.spans_key, []))
        group.extend(find_names(doc, self.shapes, self.gazetteer))
        doc.spans[self.spans_key] = group
        return doc


# --------------------------------------------------------------------------- runs


def _is_cap(token) -> bool:
    text = token.text
    return bool(text) and (text[0].isupper() or (text[0].isdigit() and any(c.isalpha() for c in text)
                                                  and text[-2:] not in ("st", "nd", "rd", "th")))


def _breaks_after(token) -> bool:
    return "\n" in token.whitespace_ or token.is_space


def capitalized_runs(doc: Doc, shapes: NameShapes) -> list[tuple[int, int]]:
    """Maximal runs of capitalized tokens, joined by connectors, within a line."""
    runs = []
    i, n = 0, len(doc)
    while i < n:
        if not _is_cap(doc[i]) or doc[i].is_space:
            i += 1
            continue
        start, end = i, i + 1
        j = i + 1
        while j < n and not _breaks_after(doc[j - 1]):
            tok = doc[j]
            if tok.text in shapes.run_breakers:
                break
            if tok.text in shapes.person_titles and j + 1 < n and (j + 1) in _person_tokens(doc):
                # "Bank of England Governor Andrew Bailey": the body ends before the title,
                # and the next run starts after the person's name.
                after_person = j + 1
                while after_person < n and after_person in _person_tokens(doc):
                    after_person += 1
                j = after_person
                break
            if doc[j - 1].text.endswith(".") and tok.is_stop and tok.text[:1].isupper():
                break  # "... Consulting Co. He said": a sentence ends at the suffix's dot
            if tok.text == "," and _comma_continues(doc, start, j, shapes):
                j += 1  # "Ministry of Finance, Budget and National Planning"
                continue
            if doc[j - 1].text in shapes.legal_suffixes and j - 1 > start and tok.text not in shapes.legal_suffixes \
                    and not (tok.text == "," and j + 1 < n and doc[j + 1].text in shapes.legal_suffixes):
                break  # a legal suffix ends the name: "... Drilling Ltd. of Dryden", "... Metals Inc. Keewatin"
            if _is_cap(tok):
                end = j + 1
                j += 1
            elif tok.text in shapes.connectors or tok.text in POSSESSIVE:
                j += 1
            elif tok.text in ("op", "operative") and doc[j - 1].text == "-" and doc[j - 2].text == "Co" \
                    and not doc[j - 1].whitespace_:
                end = j + 1  # "Heartland Co-op"
                j += 1
            elif (doc[j - 1].text == "-" and not doc[j - 1].whitespace_ and tok.text.islower() and j + 1 < n
                  and _is_cap(doc[j + 1]) and not _breaks_after(tok) and not tok.text.endswith("ed")
                  and tok.text not in ("run", "held", "made", "built", "born")):  # not "State-run Polska ..."
                j += 1  # "High-tech Industrial Development Zone"
            else:
                break
        if end + 1 < n and doc[end - 1:end + 2].text in shapes.legal_suffixes:
            end += 2  # "Nordhavn Biologics A/S": the tokenizer cuts "A/S" in three
            j = max(j, end)
        if end < n and doc[end].text in shapes.legal_suffixes and not _breaks_after(doc[end - 1]):
            end += 1  # "Harcourt & Pryce plc"
            j = max(j, end)
        while end + 1 < n and doc[end - 1].text in shapes.legal_suffixes and doc[end].text == "." and \
                not doc[end - 1].whitespace_ and doc[end + 1].text in shapes.legal_suffixes:
            end += 2  # "Pte. Ltd.", "Pvt. Ltd.": the tokenizer keeps the first dot apart
            j = max(j, end)
        # "Chiesi Pharmaceutical (Shanghai) Co., Ltd": a name runs through a bracketed place
        # when a legal suffix follows the bracket.
        close = _bracket_insertion_end(doc, end, shapes)
        if close is not None:
            end = close + 1
            while end < n and doc[end].text in shapes.legal_suffixes:
                end += 1
                if end + 1 < n and doc[end].text == "." and doc[end + 1].text in shapes.legal_suffixes:
                    end += 1  # "Pte. Ltd.": the tokenizer keeps the first dot apart
            j = max(j, end)
        # "Zhejiang Lanhua Logistics Co., Ltd.", "Calloway Diagnostics, Inc.": a legal suffix
        # after a comma belongs to the name.
        while (end + 1 < n and doc[end].text == "," and doc[end + 1].text in shapes.legal_suffixes
               and not _breaks_after(doc[end])):
            end += 2
            j = max(j, end)
        while start < end and doc[start].text in shapes.leading_stop:
            start += 1
        while end > start and doc[end - 1].text in shapes.leading_stop and doc[end - 1].is_stop:  # "/CGTN As the"
            end -= 1
        if start < end:
            runs.append((start, end))
        i = max(j, i + 1)
    return runs


def _comma_continues(doc: Doc, start: int, comma: int, shapes: NameShapes) -> bool:
    """A comma inside a body's name: "<head> of X, Y and Z" lists the portfolio of one ministry;
    "Wachtell, Lipton, Rosen & Katz" lists the partners of one firm."""
    if _partner_list(doc, start, shapes):
        return True
    head_of = any(doc[k].text in shapes.org_heads and k + 1 < comma and doc[k + 1].text in ("of", "for")
                  for k in range(start, comma))
    if not head_of or comma + 1 >= len(doc) or not _is_cap(doc[comma + 1]):
        return False
    for k in range(comma + 1, min(comma + 7, len(doc) - 1)):
        text = doc[k].text
        if text in (",", ".", ";", "(", ")") or _breaks_after(doc[k]) or text in shapes.org_heads:
            return False  # "Bank of East Asia, Hang Seng Bank and HSBC" lists three bodies
        if text in ("and", "&"):
            return _is_cap(doc[k + 1])  # "Department for Environment, Food & Rural Affairs"
    return False


def _partner_list(doc: Doc, start: int, shapes: NameShapes) -> bool:
    """Single capitalized words joined by commas and a final "&": a law or advisory firm's name."""
    k = start
    while k + 2 < len(doc) and doc[k + 1].text == "," and _is_cap(doc[k + 2]) and not _breaks_after(doc[k + 1]):
        k += 2
    return k > start and k + 2 < len(doc) and doc[k + 1].text == "&" and _is_cap(doc[k + 2]) and (
        k + 3 >= len(doc) or not _is_cap(doc[k + 3]))


def _bracket_insertion_end(doc: Doc, end: int, shapes: NameShapes) -> int | None:
    """Index of ")" when "( Capitalized words )" after `end` is followed by a legal suffix."""
    if end + 2 >= len(doc) or doc[end].text != "(" or _breaks_after(doc[end - 1]):
        return None
    for k in range(end + 1, min(end + 5, len(doc))):
        if doc[k].text == ")":
            inner_ok = k > end + 1 and all(_is_cap(doc[i]) for i in range(end + 1, k))
            if not inner_ok:
                return None
            after = doc[k + 1].text if k + 1 < len(doc) else ""
            if after in shapes.legal_suffixes:
                return k
            tail = k + 1  # "The China (Ganzhou) Navel Orange Festival": an event runs through the bracket
            while tail < len(doc) and tail <= k + 4 and _is_cap(doc[tail]) and not _breaks_after(doc[tail - 1]):
                tail += 1
            if tail > k + 1 and (doc[tail - 1].text.title() in shapes.not_org_heads or doc[tail - 1].text in shapes.org_heads):
                return tail - 1
            # "Ronghe (Quanzhou) Property Co. Ltd.": up to two capitalized words, then the suffix
            for m in range(k + 2, min(k + 4, len(doc))):
                if not _is_cap(doc[m - 1]) or _breaks_after(doc[m - 1]):
                    return None
                if doc[m].text in shapes.legal_suffixes:
                    return m - 1
            return None
    return None


def _named_for_country(doc: Doc, start: int, end: int, shapes: NameShapes, gaz: Gazetteer) -> bool:
    """A body named as "<portfolio> <country>" ("Statistics Canada", "Environment and Climate
    Change Canada"): capitalized nouns, none a place, a compass word or a person's, before a
    country's name."""
    if end - start < 2 or in_headline(doc, start):
        return False
    country = doc[end - 1].text
    if not any(p.level == "country" for p in gaz.place_candidates(country)) or gaz.place_candidates(doc[start:end].text):
        return False
    words = [doc[k] for k in range(start, end - 1) if doc[k].text not in ("and", "&")]
    return bool(words) and all(
        t.text[:1].isupper() and not t.is_stop and t.text not in shapes.leading_stop
        and not gaz.place_candidates(t.text) and t.lower_ not in shapes.direction_words
        and t.lower_ not in shapes.false_orgs and not t.text.endswith("ing") and t.text not in shapes.place_prefixes
        and t.lower_ not in shapes.designators
        and not shapes.compass_re.match(t.text + " China") and t.i not in _person_tokens(doc)
        and t.i not in _nationality_tokens(doc) for t in words)


def _ends_with_legal_suffix(doc: Doc, end: int, shapes: NameShapes) -> bool:
    return doc[end - 1].text in shapes.legal_suffixes or end >= 3 and doc[end - 3:end].text in shapes.legal_suffixes


def _is_ordinal(token) -> bool:
    return bool(ORDINAL_RE.fullmatch(token.text))


def _has_head(doc: Doc, start: int, end: int, shapes: NameShapes) -> bool:
    return any(doc[k].text in shapes.org_heads for k in range(start, end)) and end - start >= 2


def _known(doc: Doc, start: int, end: int, gaz: Gazetteer) -> bool:
    text = doc[start:end].text
    return bool(gaz.org(text) or gaz.place_candidates(text))


def split_run(doc: Doc, start: int, end: int, shapes: NameShapes, gaz: Gazetteer) -> list[tuple[int, int]]:
    """Cut a run at coordination and possessives that separate two names."""
    if gaz.org(doc[start:end].text):
        return [(start, end)]
    for k in range(start + 1, min(end - 1, start + 6)):  # "Chief Executive Officer of Calloway Diagnostics"
        if doc[k].text in ("of", "for") and all(doc[i].text in shapes.title_words or doc[i].text in shapes.person_titles
                                               for i in range(start, k)):
            return split_run(doc, k + 1, end, shapes, gaz)
    for k in range(start + 1, min(end, start + 3)):  # "US Federal Reserve": a country, then a known body
        if gaz.org(doc[k:end].text) and any(p.level == "country" for p in gaz.place_candidates(doc[start:k].text)):
            return [(start, k), (k, end)]
    for k in range(start + 1, end - 1):  # "Marieke de Vries of Leiden Observatory": the person is not the body
        if doc[k].text == "of" and any(e.start <= start and e.end >= k for e in _persons(doc)):
            return split_run(doc, k + 1, end, shapes, gaz)
    hyphen_parts = _hyphen_joined_places(doc, start, end, shapes, gaz)
    if hyphen_parts is not None:
        return hyphen_parts
    for k in range(start + 1, end - 1):
        possessive = doc[k].text in POSSESSIVE or doc[k].text in ("'", "’") and doc[k - 1].text.endswith("s")
        left = doc[start:k].text
        if possessive and _has_head(doc, k + 1, end, shapes) and (
                _has_head(doc, start, k, shapes) or gaz.org(left) or left.isupper() and len(left) >= 2):
            # "Tencent's WeChat Pay team", "the Department for Business and Trade's Office for
            # Investment": a possessive between two bodies splits them.
            return split_run(doc, start, k, shapes, gaz) + split_run(doc, k + 1, end, shapes, gaz)
    for k in range(start + 1, end - 1):  # "X and the Y" always names two things
        if doc[k].text in ("and", "&") and doc[k + 1].text == "the":
            return split_run(doc, start, k, shapes, gaz) + split_run(doc, k + 2, end, shapes, gaz)
    for k in range(start + 1, end - 1):
        tok = doc[k].text
        left, right = (start, k), (k + 1, end)
        if tok == "of" and _ends_with_place_designator(doc, start, k, shapes) and _last_is_designator(doc, end, shapes):
            # "Huaqiao Village of Wangba Township": two places, not one name.
            return split_run(doc, *left, shapes, gaz) + split_run(doc, *right, shapes, gaz)
        if tok == "&" and not (_known(doc, start, k, gaz) and _known(doc, k + 1, end, gaz)):
            continue  # "Hong Kong Exchanges & Clearing Ltd.", "Rothschild & Co": one firm
        if tok == "and" and k + 1 < end and gaz.place_candidates(doc[start:k].text) and not gaz.org(doc[start:k].text) \
                and gaz.place_candidates(doc[k + 1].text) and _has_head(doc, k + 1, end, shapes):
            continue  # "Hongkong and Shanghai Banking Corporation": a body named after two places
        if tok in ("and", "&"):
            # Split only where "and" joins two whole names: the left one complete,
            # and the right one complete before any "of"/"for" ("Department of
            # Market and Informatization of the Ministry ..." stays one name).
            seg_end = next((j for j in range(k + 1, end) if doc[j].text in ("of", "for")), end)
            left_ok = (_has_head(doc, *left, shapes) or _known(doc, *left, gaz)
                       or _ends_with_place_designator(doc, *left, shapes))
            right_ok = (_has_head(doc, k + 1, seg_end, shapes) or _known(doc, k + 1, seg_end, gaz)
                        or _known(doc, k + 1, end, gaz) and _known(doc, start, k, gaz)  # "Standard Chartered and Bank of China"
                        or seg_end - k > 2 and doc[seg_end - 1].text in shapes.legal_suffixes  # "... and BioNTech SE"
                        or _in_org_list(doc, start)  # "customers include TVS Motor Company and Mahindra Mobility"
                        or (k + 1) in _person_tokens(doc))  # "the Environment Agency and Rebecca Pow MP"
            both_places = bool(gaz.place_candidates(doc[start:k].text)) and (
                bool(gaz.place_candidates(doc[k + 1:end].text)) or _ends_with_place_designator(doc, k + 1, end, shapes))
            if left_ok and right_ok and (both_places or not _last_is_designator(doc, end, shapes)):
                return split_run(doc, *left, shapes, gaz) + split_run(doc, *right, shapes, gaz)
            if _ends_with_place_designator(doc, start, k, shapes) and _ends_with_place_designator(doc, k + 1, end, shapes):
                # "Dubai Internet City and Dubai Science Park": two named zones
                return split_run(doc, *left, shapes, gaz) + split_run(doc, *right, shapes, gaz)
        elif tok in POSSESSIVE:
            # "Singapore's Sea Ltd" is two names; "China Women's Development Foundation" one.
            if not any(doc[j].text in shapes.org_heads for j in range(k + 1, end)) or gaz.place_candidates(doc[start:k].text):
                return split_run(doc, *left, shapes, gaz) + split_run(doc, *right, shapes, gaz)
    while end > start and (doc[end - 1].text in shapes.connectors or doc[end - 1].text in POSSESSIVE):
        end -= 1
    while start < end and doc[start].text in shapes.connectors | {"The"}:
        start += 1
    return [(start, end)] if start < end else []


def _in_org_list(doc: Doc, start: int) -> bool:
    """Token `start` opens a name in a list of organizations ("customers include X, Y and Z")."""
    text = doc_text(doc)
    return ORG_LIST_BEFORE_RE.search(text[max(0, doc[start].idx - 120):doc[start].idx]) is not None


def _hyphen_joined_places(doc: Doc, start: int, end: int, shapes: NameShapes, gaz: Gazetteer):
    """["Japan", "Korea"] for "Japan-Korea" (and "the China-Laos Railway"): separate PLACEs.

    None when the run is not places joined by hyphens, or when it is itself a
    proper name with its own head ("Guangdong-Hong Kong-Macao Greater Bay Area").
    """
    dashes = [k for k in range(start + 1, end - 1) if doc[k].text in ("-", "–") and not doc[k - 1].whitespace_]
    if not dashes:
        return None
    bounds = [start, *[k + 1 for k in dashes]]
    pieces = [(b, (dashes[i] if i < len(dashes) else end)) for i, b in enumerate(bounds)]
    last_start, last_end = pieces[-1]
    # The last piece may be a place followed by a facility word: "Laos Railway".
    place_end = next((k for k in range(last_end, last_start, -1) if gaz.place_candidates(doc[last_start:k].text)), None)
    if place_end is None:
        return None
    rest = doc[place_end:last_end]
    if len(rest) and not (len(rest) == 1 and rest[0].text in shapes.facility_words):
        return None
    pieces[-1] = (last_start, place_end)
    if not all(gaz.place_candidates(doc[a:b].text) for a, b in pieces):
        return None
    return pieces


def _ends_with_place_designator(doc: Doc, start: int, end: int, shapes: NameShapes) -> bool:
    return end - start >= 2 and doc[end - 1].text[:1].isupper() and _last_is_designator(doc, end, shapes)


def _last_is_designator(doc: Doc, end: int, shapes: NameShapes) -> bool:
    return doc[end - 1].text.lower() in shapes.designators or doc[end - 2:end].text.lower() in shapes.designators


def _designator_after(doc: Doc, end: int, shapes: NameShapes) -> tuple[int, bool] | None:
    """(end token of a designator right after `end`, plural?) or None."""
    if end >= len(doc) or _breaks_after(doc[end - 1]):
        return None
    for width in (3, 2, 1):
        phrase = doc[end:end + width].text.lower()
        if end + width > len(doc):
            continue
        if phrase in shapes.designators:
            if end + width < len(doc) and doc[end + width].text == "of":
                return None  # "the Lower Saxony city of Salzgitter": the name is Salzgitter
            return end + width, False
        if phrase in shapes.designators_plural:
            return end + width, True
    return None


def find_names(doc: Doc, shapes: NameShapes, gaz: Gazetteer) -> list[Span]:
    """Candidate ORG and PLACE spans (they may overlap; news_resolve chooses)."""
    spans: list[Span] = []
    for run_start, run_end in capitalized_runs(doc, shapes):
        parts = split_run(doc, run_start, run_end, shapes, gaz)
        after = _designator_after(doc, run_end, shapes)
        if after is not None and after[1] and len(parts) == 1:
            # "the Xinjiang Uygur and Tibet autonomous regions": split at "and".
            parts = _split_at_and(doc, *parts[0])
        for start, end in parts:
            for span in _classify(doc, start, end, run_end, after, shapes, gaz):
                if span.label_ == "ORG" and span.start > 0 and _is_ordinal(doc[span.start - 1]) and \
                        _has_head(doc, span.start, span.end, shapes):
                    span = Span(doc, span.start - 1, span.end, label="ORG")
                spans.append(span)
    for m in DOMAIN_RE.finditer(doc_text(doc)):
        span = doc.char_span(m.start(), m.end(), label="ORG", alignment_mode="contract")
        if span is not None and len(span.text) == m.end() - m.start():
            spans.append(span)
    for m in shapes.compass_re.finditer(doc_text(doc)):
        span = doc.char_span(m.start(), m.end(), label="PLACE", alignment_mode="contract")
        if span is not None:
            spans.append(span)
    return spans


def _after_credit_cue(doc: Doc, start: int, shapes: NameShapes) -> bool:
    """The name right after "Source:" and the like is the outlet."""
    text = doc_text(doc)
    line_start = text.rfind("\n", 0, doc[start].idx) + 1
    before = text[line_start:doc[start].idx].rstrip()
    return any(before.endswith(cue.rstrip()) for cue in shapes.credit_cues)


def _after_org_cue(doc: Doc, start: int, end: int, shapes: NameShapes, gaz: Gazetteer) -> bool:
    """A name right after a lower-case organization noun: "logistics firm Kerry Express"."""
    if start == 0 or doc[start - 1].text not in shapes.org_cue_nouns:
        return False
    text = doc[start:end].text
    if gaz.place_candidates(text) or doc[start].text.title() in shapes.surnames:
        return False  # "the company's Beijing office", "firm founder Li"
    return True


def _split_at_and(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    for k in range(start + 1, end - 1):
        if doc[k].text in ("and", "&"):
            return [(start, k), (k + 1, end)]
    return [(start, end)]


def _classify(doc, start, end, run_end, after, shapes: NameShapes, gaz: Gazetteer) -> list[Span]:
    text = doc[start:end].text
    if text.lower() in shapes.false_orgs or text in shapes.ethnic_groups:
        return []
    org = gaz.org(text)
    if org is not None:
        return [Span(doc, start, end, label="ORG")]
    if end - start >= 2 and doc[end - 1].text.title() in shapes.not_org_heads:
        # An event, policy or plan ("China Intangible Heritage Expo"): nothing inside is labeled.
        return [Span(doc, start, end, label=BLOCK_LABEL)]
    if (_after_credit_cue(doc, start, shapes) and doc[start].text.title() not in shapes.surnames
            and not set(range(start, end)) & _person_tokens(doc)) or _after_org_cue(doc, start, end, shapes, gaz):
        return [Span(doc, a, b, label="ORG") for a, b in _and_parts(doc, start, end)]  # "makers Resonac and JSR"
    if end - start == 2 and doc[start].text in shapes.county_prefixes and (gaz.place_candidates(doc[start + 1].text)
                                                              or gaz.place_candidates(text)):
        return [Span(doc, start, end, label="PLACE")]  # "Co Meath", "County Kerry"
    if _has_head(doc, start, end, shapes) and doc[end - 1].text not in shapes.not_org_heads:
        return [Span(doc, start, end, label="ORG")]
    if _named_for_country(doc, start, end, shapes, gaz):
        return [Span(doc, start, end, label="ORG")]  # "Public Safety Canada", "Tourism Australia"
    if end - start >= 2 and (doc[end - 1].text in shapes.company_tails or _ends_with_legal_suffix(doc, end, shapes)) \
            and not in_headline(doc, start):
        return [Span(doc, a, b, label="ORG") for a, b in _and_parts(doc, start, end)]  # "Renesas Electronics"
    if (end - start >= 2 and doc[start].text in shapes.place_prefixes and not _has_head(doc, start, end, shapes)
            and all(_is_cap(doc[k]) or k == start + 1 and doc[k].text == "of" for k in range(start + 1, end))):
        return [Span(doc, start, end, label="PLACE")]  # "Port Hedland", "Mount Kenya", "Lake Victoria"
    if end - start >= 2 and _last_is_designator(doc, end, shapes) and doc[end - 1].text[0].isupper():
        return [Span(doc, start, end, label="PLACE")]
    if end == run_end and after is not None:
        stop, plural = after
        if end - start == 1 and start in _nationality_tokens(doc) and not gaz.place_candidates(text) \
                and text not in gaz.minor_places and DEMONYM_RE.search(text):
            return []  # "a Canadian village", "the largest Chinese city": an adjective, not a name
        return [Span(doc, start, end if plural else stop, label="PLACE")]
    if after is not None and after[1]:
        return [Span(doc, start, end, label="PLACE")]
    if not gaz.place_candidates(text) and not set(range(start, end)) & _person_tokens(doc) and (
            ORG_CUE_BEFORE_RE.search(doc_text(doc)[max(0, doc[start].idx - 60):doc[start].idx]) or _in_org_list(doc, start)):
        # "Shares of Allegheny Cell"; "towns such as Guildford and Harrogate" are places
        return [Span(doc, a, b, label="PLACE" if doc[a:b].text in gaz.minor_places and place_evidence(doc, a, b, gaz, True)
                     and _town_not_outvoted(doc, doc[a:b].text, shapes, gaz) else "ORG") for a, b in _and_parts(doc, start, end)]
    found = _gazetteer_spans(doc, start, end, gaz, shapes)
    persons = _person_tokens(doc)
    if not found and not (set(range(start, end)) & persons):
        parts = _and_parts(doc, start, end)
        if all(b - a <= 3 and not doc[a].is_stop for a, b in parts) and org_shape_or_cue(doc, start, parts[0][1], gaz,
                                                                                          shapes):
            return [Span(doc, a, b, label="ORG") for a, b in parts]  # "such as RoboNeat and DealBee"
    taken = {k for span in found for k in range(span.start, span.end)}
    for k in range(start, end):  # "QatarEnergy and ConocoPhillips": each camel-case name on its own
        if k not in taken and k not in persons and CAMEL_CASE_RE.fullmatch(doc[k].text):
            a, b = k, k + 1
            while a - 2 >= start and doc[a - 1].text == "-" and not doc[a - 2].whitespace_ and \
                    not doc[a - 1].whitespace_ and _is_cap(doc[a - 2]) and a - 2 not in taken:
                a -= 2  # "Freeport-McMoRan" is one name
            found.append(Span(doc, a, b, label="ORG"))
    return sorted(found, key=lambda span: span.start)


def _and_parts(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """The names a run coordinates with "and": "Resonac and JSR" -> [Resonac, JSR]."""
    ands = [k for k in range(start + 1, end - 1) if doc[k].text == "and"]
    return list(zip([start, *[k + 1 for k in ands]], [*ands, end]))


def person_last_name(doc: Doc, text: str) -> bool:
    """`text` is the last name of a multi-word PERSON of the Doc ("Lincoln said" after "Ed Lincoln")."""
    return any(e[-1].text == text for e in _persons(doc))


def _first_level(text: str, gaz: Gazetteer) -> bool:
    return any(p.level in ("country", "province") for p in gaz.place_candidates(text))


def _gazetteer_spans(doc: Doc, start: int, end: int, gaz: Gazetteer, shapes: NameShapes) -> list[Span]:
    """Known organizations and places inside a run, longest first, no overlaps.

    Tokens the NER model reads as a person are left alone, as are lone
    surnames: "Huang" is a person before it is a town.
    """
    found: list[Span] = []
    taken: set[int] = {i for i in _person_tokens(doc) if start <= i < end}
    people = _persons(doc)
    for ent in people:  # the model's PERSON "Tamil Nadu" is the state, "Sha Tin" the town: a known place wins
        if start <= ent.start and ent.end <= end and (_first_level(ent.text, gaz) or ent.text in gaz.places):
            taken.difference_update(range(ent.start, ent.end))
    persons = doc.user_data.get("news.person_last_names")
    if persons is None:
        persons = doc.user_data["news.person_last_names"] = frozenset(
            e[-1].text for e in people if not _first_level(e.text, gaz))
    for k in range(start, end):
        speaks = k + 1 < len(doc) and doc[k + 1].lower_ in SPEECH_VERBS
        if doc[k].text in persons and speaks or (k > 0 and doc[k - 1].text in shapes.person_titles):
            taken.add(k)  # "Phoenix said", after "Jordan Phoenix"; "Mr. Lincoln"
    # A known name of several words is not a person's: "Kwun Tong", "Wan Chai" begin with surnames.
    protected: set[int] = set()
    for width in range(min(end - start, gaz.max_place_tokens), 1, -1):
        for i in range(start, end - width + 1):
            if any(k in taken or k in protected for k in range(i, i + width)):
                continue
            text = doc[i:i + width].text
            if text in gaz.places or gaz.org(text):
                protected.update(range(i, i + width))
    for k in range(start, end):
        word = doc[k].text.title()
        if k in protected or k + 1 < len(doc) and doc[k + 1].lower_ in shapes.designators:
            continue  # "Li county", "He County": a surname-like name with its designator is the place
        if word in shapes.surnames or word in shapes.ethnic_groups:
            taken.add(k)
            if word in shapes.surnames and k + 1 < end:
                taken.add(k + 1)  # the given name after a surname: "Ma Xiping", "CANG WEI"
    for width in range(end - start, 0, -1):
        for i in range(start, end - width + 1):
            if any(k in taken for k in range(i, i + width)):
                continue
            text = doc[i:i + width].text
            if text.isupper() and len(text) > 3:  # "LANZHOU, June 18 (Xinhua)"
                text = text.title()
            label = "ORG" if gaz.org(text) else "PLACE" if gaz.place_candidates(text) else None
            if label is None and text in gaz.minor_places and place_evidence(doc, i, i + width, gaz, town=True) \
                    and _town_not_outvoted(doc, text, shapes, gaz):
                label = "PLACE"
            if label is None or not doc[i].text[0].isupper() or text in shapes.not_places:
                continue
            if label == "PLACE" and width == 1 and (doc[i].is_stop and not doc[i].text.isupper()
                                                    or doc[i].lower_ in shapes.direction_words):
                continue  # a sentence-initial "You" is not Youxian
            if label == "PLACE" and width == 1 and i in _nationality_tokens(doc) and not _first_level(text, gaz):
                continue  # "Thai officials": a nationality adjective, not a town named Thai
            if doc[i:min(i + width + 1, len(doc))].text.lower() in shapes.false_orgs:
                continue  # "Taobao" in "Taobao Villages": a brand used as a modifier
            found.append(Span(doc, i, i + width, label=label))
            taken.update(range(i, i + width))
    return found
