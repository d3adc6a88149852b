"""Tag inference: the tags a reader would pick, and never junk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sitegen.seeds.convert import read_seed
from sitegen.seeds.tagging import MAX_TAGS, infer_tags

SHIPPED = Path(__file__).resolve().parent.parent / "seeds" / "000_7bc5453d4a4e7406.txt"


def test_shipped_seed_tags():
    seed, _ = read_seed(SHIPPED)
    tags = infer_tags(seed.title, seed.paragraphs)
    assert {"China", "Russia", "Ukraine", "Wang Yi", "Sergey Lavrov"} <= set(tags)
    assert tags == ["Russia", "China", "Wang Yi", "Ukraine", "Sergey Lavrov", "United Nations",
                    "United States"]
    for junk in ("Security Council", "General Assembly", "National Security Adviser", "Meanwhile", "He",
                 "The", "Thursday", "February", "West", "Bilateral Relations", "Joe Biden’s", "Sino"):
        assert junk not in tags


JUNK_TEXT = [
    "Meanwhile, the President said on Monday that the Minister would travel in March. However, He declined.",
    "The President and the Prime Minister met on Thursday.",
    "The National Security Adviser Jake Sullivan spoke.",
    "In January, the Security Council met. The Security Council then voted. The General Assembly followed.",
    "Yesterday Olaf Scholz spoke to reporters. Scholz said little. Harvard University declined to comment.",
    "Harvard University officials were not available. Speaking Tuesday, Mr Jake Sullivan said more.",
    "He said The Times reported it first. The Times said so again.",
]


def test_no_junk_tags():
    tags = infer_tags("Officials Meet Again", JUNK_TEXT)
    assert tags == ["Jake Sullivan", "United Nations", "Olaf Scholz"]


@pytest.mark.parametrize(("text", "tag"), [
    ("Russian Federation officials met Russian diplomats.", "Russia"),
    ("The Kremlin said Moscow would respond.", "Russia"),
    ("Kiev said Kyiv would respond.", "Ukraine"),
    ("U.S. officials and American diplomats met.", "United States"),
    ("The US and the USA are one.", "United States"),
    ("Britain and the UK are one; British officials agree.", "United Kingdom"),
    ("Türkiye, formerly Turkey, and Turkish officials.", "Turkey"),
    ("North Korean troops and Pyongyang.", "North Korea"),
    ("South Korean firms in Seoul.", "South Korea"),
    ("Iranian officials in Tehran.", "Iran"),
    ("Syrian refugees left Damascus.", "Syria"),
    ("Czech voters in the Czech Republic.", "Czech Republic"),
    ("The UN Security Council and the United Nations.", "United Nations"),
    ("NATO allies; the North Atlantic Treaty Organization.", "NATO"),
    ("The EU and the European Union.", "European Union"),
    ("The IMF, or International Monetary Fund.", "International Monetary Fund"),
    ("The G7 and the Group of Seven.", "G7"),
])
def test_aliases_demonyms_and_capitals_map_to_one_display_name(text, tag):
    assert infer_tags("Quiet Day", [text]) == [tag]


def test_a_country_needs_two_mentions_or_the_headline():
    assert infer_tags("Quiet Day", ["Talks were held in Malta."]) == []
    assert infer_tags("Talks in Malta", ["Talks were held there."]) == ["Malta"]
    assert infer_tags("TALKS IN MALTA", ["Talks were held there."]) == ["Malta"]


def test_names_must_recur():
    assert infer_tags("Talks", ["Jane Roe spoke once."]) == []
    assert infer_tags("Talks", ["Jane Roe spoke.", "Later, Roe left."]) == ["Jane Roe"]
    assert infer_tags("Talks", ["Jane Roe spoke.", "Then Jane Roe left."]) == ["Jane Roe"]
    assert infer_tags("Talks", ["Foreign Minister Jane Roe spoke.", "Roe left."]) == ["Jane Roe"]
    assert infer_tags("Talks", ["John F. Kennedy spoke.", "Kennedy left."]) == ["John F. Kennedy"]


def test_a_person_named_like_a_place_is_not_the_place():
    tags = infer_tags("Sports", ["Michael Jordan played.", "Michael Jordan won.", "Jordan said nothing."])
    assert tags == ["Michael Jordan"]


def test_possessive_is_not_part_of_a_name():
    assert infer_tags("Talks", ["Joe Biden’s aide spoke.", "Biden's team agreed."]) == ["Joe Biden"]


def test_order_is_score_then_first_appearance_and_at_most_eight():
    countries = ["France", "Germany", "Italy", "Spain", "Portugal", "Greece", "Austria", "Poland", "Chile",
                 "Peru"]
    paragraphs = [f"{c} and {c} again." for c in countries] + ["Peru, Peru, Peru."]
    tags = infer_tags("Chile Votes", paragraphs)
    assert len(tags) == MAX_TAGS
    assert tags == ["Chile", "Peru", "France", "Germany", "Italy", "Spain", "Portugal", "Greece"]


def test_same_input_same_tags():
    paragraphs = ["Wang Yi met Sergey Lavrov in Moscow.", "Lavrov and Wang spoke of China and Russia."]
    assert infer_tags("China, Russia Talk", paragraphs) == infer_tags("China, Russia Talk", list(paragraphs))


def test_thousands_of_paragraphs_are_fast():
    seed, _ = read_seed(SHIPPED)
    started = time.perf_counter()
    tags = infer_tags(seed.title, seed.paragraphs * 300)
    assert time.perf_counter() - started < 3
    assert tags[:2] == ["Russia", "China"]
