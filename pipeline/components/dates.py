"""`news_dates`: calendar points and periods that can be placed on a calendar.

Rules, not the statistical model: the small NER model also tags durations
("three years", "10-year") and frequencies ("every day") as DATE, which the
annotation guideline excludes.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.spans import add_char_spans, doc_text

SPANS_KEY = "news_rules"

FULL_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
         r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)")
NOT_YEAR_NEXT = r"(?!,? ?(?:19|20)\d\d\b)"  # "Aug 31, 93.6 percent" is still Aug 31
PART_OF_YEAR = (r"(?:(?:first|last|final|second|third|fourth) (?:half|quarter|(?:two|three|four|five|six|seven|eight|"
                r"nine|ten|eleven|\d{1,2}) months|(?:two|three) quarters)|end|beginning|start|middle)")
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a|an|\d{1,3})"
RELATIVE_YEAR = r"(?:[Tt]his|[Ll]ast|[Nn]ext) year"
ORDINAL = r"(?:first|second|third|fourth|1st|2nd|3rd|4th)"
# Words before a bare month that make it a date ("by October", "in January").
MONTH_CONTEXT = r"(?i:in|by|since|from|until|till|through|during|before|after|early|late|mid-|end of|beginning of|of)"
# Words after a year that make the number something else (money, a count).
NOT_YEAR_AFTER = r"(?:\s?(?:percent|per cent|%|yuan|dollars|euros|people|households|villages|companies|workers|tons|tonnes|km|kilometers|units|items))"

WEEKDAY_ABBR = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?"
NUMBER_OR_WORD = rf"(?:\d{{1,2}}|{NUMBER_WORD.replace('|a|an', '')})"
# A calendar point that can end a "between ... and ..." range.
POINT = rf"(?:{MONTH}(?: {DAY})?(?:,? {YEAR})?|{YEAR})"

DATE_PATTERNS = [
    # Quarters named by their months: "July-September quarter", "the September quarter".
    rf"\b{FULL_MONTH}[-–]{FULL_MONTH} quarter(?:,? {YEAR}| of {YEAR})?\b",
    rf"(?<![-–]){FULL_MONTH} quarter\b",
    # Fiscal years: "fiscal year ending March 2022", "the 2022/23 financial year".
    rf"\b(?:fiscal|financial) year (?:ending|through|to) (?:in )?{FULL_MONTH}(?:,? {YEAR})?\b(?! \d)",
    rf"\b{YEAR}/\d{{2}} (?:fiscal|financial) year\b",
    # Two days of one month: "between Nov 1 and 11".
    rf"\b{MONTH} {DAY} and {DAY}\b(?!,? ?\d|[-–])",
    # A weekday before a date is part of it: "Wednesday, Oct. 13, 2021", "Tue 16 Jan 2024".
    rf"\b(?:{WEEKDAY}|{WEEKDAY_ABBR}),? (?:{MONTH} {DAY},? {YEAR}|(?:[12]\d|3[01]|0?[1-9]) {MONTH},? {YEAR})\b",
    # Day ranges within one month: "Nov. 1-3", "September 20-21", "March 3 to 10".
    rf"\b{MONTH} {DAY} ?(?:-|–|to|through) ?{DAY}(?:,? {YEAR})?\b(?![-–]?\d)",
    # "between August 2022 and January 2023", "between 2014 and 2019" ("between" stays out).
    rf"(?<=\bbetween ){POINT} and {POINT}(?: {RELATIVE_YEAR})?\b",
    rf"\b{MONTH}(?: {DAY})? and {MONTH}(?: {DAY})? {RELATIVE_YEAR}\b",
    rf"\b{FULL_MONTH}[-–]{FULL_MONTH}(?:,? {YEAR}| {RELATIVE_YEAR})?\b",
    r"\b(?:[0-2]\d|3[01])\.(?:0[1-9]|1[0-2])\.(?:19|20)\d\d\b",
    r"\b\d{4}-\d{2}-\d{2}\b",
    r"\b(?:19|20)\d\d/\d{1,2}/\d{1,2}\b",
    rf"\b\d{{1,2}}-{MONTH}-{YEAR}\b",
    # Parts of a year: "first two months of 2023", "first half of the year", "end of last year".
    rf"\b{PART_OF_YEAR} of (?:{YEAR}|{RELATIVE_YEAR}|the year|{FULL_MONTH}|(?:the|this|last|next) month|"
    rf"the (?:first|second|third|fourth) quarter(?: of (?:{YEAR}|{RELATIVE_YEAR}))?)\b",
    # "the first half" alone: of the article's year.
    r"(?<=\bthe )(?:first|second) half\b(?! of\b)",
    # "the same period last year"
    rf"(?<=\bthe )same (?:period|time|month|quarter) (?:of )?(?:last year|a year earlier|a year ago)\b",
    # "between January and April": both ends in one span ("between" stays out).
    rf"(?<=\bbetween ){MONTH}(?: {DAY})? and {MONTH}(?: {DAY})?(?:,? {YEAR}| {RELATIVE_YEAR})?\b",
    rf"(?<=\bbetween ){YEAR} and {YEAR}\b",
    # Relative periods: "the past five years", "the first 10 months", "the next three years".
    rf"(?<=\bthe )(?:past|last|next|previous|coming|first|final) {NUMBER_OR_WORD} (?:years|months|quarters|weeks)\b",
    # Anaphoric dates: resolved against the last date the text gave (news_values).
    r"(?<=\bthe )(?:previous|same|following|next|prior) (?:year|month|quarter)\b",
    rf"\b(?:a|one|two|three|four|five|six|seven|eight|nine|ten|\d{{1,2}}) (?:years?|months?) (?:earlier|later|before)\b",
    rf"\b(?:A|One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten) (?:years?|months?) (?:earlier|later|before)\b",
    rf"\b[Ll]ast {FULL_MONTH}\b",
    # Quarters alone and decades: "Q3", "this quarter", "Third Quarter 2022", "the 1970s".
    rf"\b(?:First|Second|Third|Fourth) Quarter(?:,? {YEAR})?\b",
    r"\bQ[1-4](?! ?(?:19|20)\d\d)\b",
    r"(?<=\bthe )(?:19|20)\d0s\b",
    r"\b(?:FY|fiscal )(?:\d{2}|(?:19|20)\d\d[-/]\d{2})\b",
    r"\b(?:[Tt]oday|[Tt]onight)\b",
    # "late March", "mid-February", "early 2021".
    rf"\b(?:early|mid|late)[- ](?:{FULL_MONTH}|{YEAR})(?: {YEAR})?\b",
    # British order without a year: "on 1 September", "10 October".
    rf"\b(?:[12]\d|3[01]|0?[1-9]) {FULL_MONTH}\b{NOT_YEAR_NEXT}",
    # Ranges before single dates, so that both ends stay in one span.
    rf"\b{MONTH}(?: {DAY})? (?:to|-|–|through|until) {MONTH}(?: {DAY})?(?:,? {YEAR}| {RELATIVE_YEAR})?\b",
    rf"(?<![\w$¥€£.,/-]){YEAR} ?(?:to|-|–|through|until) ?(?:{YEAR}|\d{{2}})(?![\w%,.]\d|\d)",
    rf"\b{MONTH} {DAY},? {YEAR}\b",
    rf"\b(?:[12]\d|3[01]|0?[1-9]) {MONTH},? {YEAR}\b",
    rf"\b{MONTH},? {YEAR}\b",
    rf"\b{MONTH} {RELATIVE_YEAR}\b",
    rf"\b{MONTH} {DAY}\b{NOT_YEAR_NEXT}(?! ?\d)",
    rf"\b(?:{ORDINAL}|{ORDINAL.replace('first', 'First')})[- ]quarter(?: of (?:{YEAR}|{RELATIVE_YEAR}))?\b",
    rf"\b(?:first|second) half of (?:{YEAR}|{RELATIVE_YEAR})\b",
    rf"\bQ[1-4] {YEAR}\b",
    rf"\b(?:[Ff]iscal(?: year)?|FY) ?{YEAR}\b",
    r"\b\d{1,2}(?:st|nd|rd|th) Five-Year Plan period\b",
    rf"\b{RELATIVE_YEAR}\b",
    r"\b(?:[Tt]his|[Ll]ast|[Nn]ext) (?:month|week|quarter)\b",
    rf"\b(?:[Ll]ast |[Nn]ext |[Tt]his )?{WEEKDAY}\b",
    r"\b(?:[Yy]esterday|[Tt]omorrow)\b",
    rf"\b(?:{NUMBER_WORD}|{NUMBER_WORD.title()}) (?:years?|months?|weeks?|days?|decades?) ago\b",
    rf"(?<![\w$¥€£.,/-]){YEAR}(?![\w%]|[,.]\d|-\d|{NOT_YEAR_AFTER})",
]
# Patterns whose date is one group inside a wider context match.
CONTEXT_PATTERNS = [
    rf"\b{MONTH_CONTEXT} (?P<date>{FULL_MONTH})\b(?! {DAY}\b| ?\d)",
    # A bare full month name other than "May" (a verb too) is a month wherever it
    # stands; abbreviations ("Jun") need a day or year: "Li Jun" is a person.
    rf"(?P<date>\b{FULL_MONTH.replace('May|', '')})\b(?! {DAY}\b| ?\d)",
    r"\bon the (?P<date>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))\b(?! [A-Z])",
]
DATE_RE = re.compile("|".join(f"(?:{p})" for p in DATE_PATTERNS))
CONTEXT_RE = [re.compile(p) for p in CONTEXT_PATTERNS]


@Language.factory("news_dates", assigns=["doc.spans"], default_config={"spans_key": SPANS_KEY})
def make_news_dates(nlp: Language, name: str, spans_key: str) -> "DatesRecognizer":
    return DatesRecognizer(name, spans_key)


class DatesRecognizer:
    """Finds DATE spans with regular expressions over the text."""

    def __init__(self, name: str, spans_key: str = SPANS_KEY):
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        return add_char_spans(doc, self.spans_key, ((s, e, "DATE") for s, e in find_dates(doc_text(doc))))


def find_dates(text: str) -> list[tuple[int, int]]:
    """(start, end) of every date expression, without overlaps, in text order."""
    found = [(m.start(), m.end()) for m in DATE_RE.finditer(text)]
    for regex in CONTEXT_RE:
        found.extend((m.start("date"), m.end("date")) for m in regex.finditer(text))
    found.sort(key=lambda se: (se[0], -(se[1] - se[0])))
    out: list[tuple[int, int]] = []
    for start, end in found:
        if out and start < out[-1][1]:
            continue
        out.append((start, end))
    return out
