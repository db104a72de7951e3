"""Hard cleaning cases (issue 12, items 6 and 8), on small pages invented for the purpose."""

import pytest

from pipeline.clean.cleaner import BOILERPLATE, clean_text

BODY = ("Local governments and online retailers are working together to help farmers in remote areas "
        "sell their products and improve their incomes, officials said on Monday.")
BODY2 = ("The county has opened three logistics centers this year and trained more than 2,000 people "
         "to run online stores, according to the local commerce bureau.")
FURNITURE = ["Most Read", "Markets rally as exporters report strong orders", "© 2020 Example Daily. All rights reserved."]


def clean(page, settings):
    return clean_text(page, settings.clean, settings.models_dir)


def test_header_line_gluing_title_script_and_date_is_boilerplate(settings):
    glued = ("Tea terraces turn Miao villages green var _hmt = _hmt || []; (function() { var hm = "
             "document.createElement(\"script\"); })(); 2020-11-02 10:15")
    title = "Tea terraces turn Miao villages in Guizhou green and prosperous"
    page = "\n\n".join([glued, title, "By Li Ming | Updated: 2020-11-02 10:15", BODY, BODY2] + FURNITURE)
    c = clean(page, settings)
    assert "_hmt" not in c.text and "function" not in c.text
    assert c.title == title and c.published == "2020-11-02"
    assert BODY in c.text and BODY2 in c.text


def test_follow_us_inside_a_sentence_is_not_boilerplate(settings):
    sentences = [
        "Follow us on WeChat, the county's tourism bureau told visitors on Monday, offering coupons worth 50 yuan.",
        "Visitors who follow us on Facebook and Twitter get discounts, the museum said in a statement on Sunday.",
    ]
    page = "\n\n".join(["A title of the story here", BODY, *sentences, BODY2, "Follow us on Facebook Twitter Weibo",
                        "Share on Facebook Twitter WhatsApp"] + FURNITURE)
    c = clean(page, settings)
    for sentence in sentences:
        assert sentence in c.text, sentence
    assert "Follow us on Facebook Twitter Weibo" not in c.text and "Share on" not in c.text


@pytest.mark.parametrize("tail", [
    "Farmers pick tea leaves on a plantation in Leishan county, Guizhou province, on Monday (Photo: Xinhua)",
    "Photo taken on Oct 28, 2020 shows tea gardens around Baiyanjiao village in Leishan",
    "Reporting by Li Ming in Beijing; Editing by Wang Tao",
    "(Xinhua)",
])
def test_caption_or_closing_dateline_after_the_last_paragraph_is_kept(settings, tail):
    page = "\n\n".join(["A title of the story here", BODY, BODY2, tail] + FURNITURE)
    c = clean(page, settings)
    assert c.text.endswith(tail)
    for furniture in FURNITURE:
        assert furniture not in c.text


def test_trailing_furniture_is_still_removed(settings):
    page = "\n\n".join(["A title of the story here", BODY, BODY2, "Share", "Print", "Tags: rural, e-commerce",
                        "Newsletter sign-up"] + FURNITURE)
    c = clean(page, settings)
    assert c.text.endswith(BODY2)


ONE_LINE = ("( People's Daily Online ) 11:22, October 28, 2020 BEIJING, Oct. 28 -- China's exports of farm "
            "produce sold online rose 12 percent in the first nine months, the Ministry of Commerce said on "
            "Wednesday. Mr. Wang Bin, a ministry official, said sales to the U.S. and Europe doubled after "
            "Sept. 15, when a No. 1 central document on rural trade took effect. The ministry expects growth "
            "to continue through Nov. 11, the Singles Day shopping festival, and into the new year, he said. "
            "Couriers delivered 3.2 billion rural parcels in the period, up 25 percent from a year earlier, "
            "according to the State Post Bureau. (Web editor: Hu Ying, Liang Jun) Most Read Markets rally")


def test_one_line_page_dateline_gives_the_publication_date(settings):
    c = clean(ONE_LINE, settings)
    assert c.published == "2020-10-28"
    # A multi-line page whose first paragraph opens with the dateline.
    page = "\n\n".join(["A title of the story here",
                        "BEIJING, Oct. 28, 2020 (Xinhua) -- " + BODY, BODY2])
    assert clean(page, settings).published == "2020-10-28"
    # A date in an ordinary first sentence is not a dateline.
    page = "\n\n".join(["A title of the story here", "On Oct. 28, 2020, " + BODY, BODY2])
    assert clean(page, settings).published is None


def test_one_line_page_is_never_cut_after_an_abbreviation(settings):
    c = clean(ONE_LINE, settings)
    blocks = [ONE_LINE[b.start:b.end] for b in c.blocks]
    for abbreviation in ("Oct.", "Mr.", "U.S.", "Sept.", "No.", "Nov."):
        assert not any(b.endswith(abbreviation) for b in blocks), (abbreviation, blocks)
    # Real sentence ends still cut, and the furniture glued at the end still goes.
    assert any(b.startswith("Couriers delivered 3.2 billion") for b in blocks)
    assert "Web editor" not in c.text and "Most Read" not in c.text
    assert "after Sept. 15, when a No. 1 central document" in c.text
    assert [b.kind for b in c.blocks if ONE_LINE[b.start:b.end].startswith("Mr. Wang")] != [BOILERPLATE]
