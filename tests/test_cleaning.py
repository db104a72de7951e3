"""Boilerplate families removed, article kept; collapsed pages; HTML."""

from pipeline.clean.cleaner import clean_html, clean_text

BODY = ("Local governments and online retailers are working together to help farmers in remote areas "
        "sell their products and improve their incomes, officials said on Monday.")
BODY2 = ("The county has opened three logistics centers this year and trained more than 2,000 people "
         "to run online stores, according to the local commerce bureau.")

PAGE = "\n".join([
    "Global Edition ASIA 中文 Français",
    "Business",
    "Home / Business / Companies",
    "",
    "Farm goods find new buyers online",
    "",
    "By Li Ming | example.com.cn | Updated: 2020-05-06 09:30",
    "Share",
    "Share - WeChat",
    BODY,
    "",
    "Logistics first",
    "",
    BODY2,
    "",
    "【1】【2】【3】",
    "(Web editor: Wang Lei, Zhao Yu)",
    "Add your comment",
    "Most Read",
    "Hot News",
    "Related reading",
    "Newspapers in English",
    "© PressReader. All rights reserved.",
    "Copyright 1995 - . All rights reserved.",
    "License for publishing multimedia online 0108263",
    "Registration Number: 130349",
    "Top",
    "BACK TO THE TOP",
    "FOLLOW US",
    "CLOSE",
])


def test_each_boilerplate_family_removed_and_article_kept(settings):
    cleaned = clean_text(PAGE, settings.clean, settings.models_dir)
    lines = PAGE.split("\n")
    kept = {lines[i] for i in range(len(lines))} - {lines[i] for i in cleaned.boilerplate_lines}
    for content in ("Farm goods find new buyers online", "By Li Ming | example.com.cn | Updated: 2020-05-06 09:30",
                    BODY, "Logistics first", BODY2):
        assert content in cleaned.text
    for furniture in lines[:3] + lines[7:9] + lines[15:]:
        assert furniture not in kept, furniture
    assert cleaned.title == "Farm goods find new buyers online"
    assert cleaned.published == "2020-05-06"


def test_clean_text_is_raw_substrings(settings):
    cleaned = clean_text(PAGE, settings.clean, settings.models_dir)
    for run in cleaned.offsets.runs:
        assert PAGE[run.raw_start:run.raw_start + run.raw_len] == cleaned.text[run.clean_start:run.clean_start + run.clean_len]


def test_collapsed_one_line_page(settings):
    page = " ".join(line for line in PAGE.split("\n") if line)
    cleaned = clean_text(page, settings.clean, settings.models_dir)
    assert BODY in cleaned.text and BODY2 in cleaned.text
    for furniture in ("Share - WeChat", "Most Read", "All rights reserved", "BACK TO THE TOP", "Web editor",
                      "Registration Number"):
        assert furniture not in cleaned.text, furniture
    assert cleaned.published == "2020-05-06"


def test_social_and_language_bars(settings):
    page = "Apple News Facebook Twitter Instagram YouTube Wednesday, Mar 15, 2023\nSearch\n\nA title of the story here\n\n" + BODY
    cleaned = clean_text(page, settings.clean, settings.models_dir)
    assert "Facebook" not in cleaned.text and "Search" not in cleaned.text
    assert cleaned.published is None  # a page-header date is not the article's date


def test_html_keeps_raw_offsets_and_drops_scripts(settings):
    html = ("<html><head><title>Farm goods</title><script>var secret = 'ALERT';</script>"
            "<style>p {color: red}</style></head><body><nav>Home | World</nav><article>"
            "<h1>Farm goods find new buyers online</h1>"
            f"<p>{BODY}</p><p>Sales at AT&amp;T&#39;s partner rose 5&nbsp;percent to 3 million yuan in 2019, "
            "the company said in a statement to reporters.</p></article></body></html>")
    cleaned = clean_html(html, settings.clean, settings.models_dir)
    assert "ALERT" not in cleaned.text and "color" not in cleaned.text
    assert "AT&T's partner" in cleaned.text
    i = cleaned.text.index("3 million yuan")
    start, end = cleaned.offsets.to_raw(i, i + len("3 million yuan"))
    assert html[start:end] == "3 million yuan"
    j = cleaned.text.index("AT&T")
    start, end = cleaned.offsets.to_raw(j, j + 4)
    assert html[start:end] == "AT&amp;T"


def test_outlet_from_byline_source_and_dateline(settings):
    byline = "A title of the story here\n\nBy Li Ming | Asia Markets Daily | Updated: 2022-11-07 08:40\n\n" + BODY
    assert clean_text(byline, settings.clean, settings.models_dir).outlet == "Asia Markets Daily"
    known = "A title of the story here\n\nBy Li Ming | chinadaily.com.cn | Updated: 2022-11-07 08:40\n\n" + BODY
    assert clean_text(known, settings.clean, settings.models_dir).outlet == "China Daily"
    dateline = "Chinanews.com, December 23. " + BODY
    assert clean_text(dateline, settings.clean, settings.models_dir).outlet == "China News Service"
