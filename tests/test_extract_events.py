"""The attack type an item names: what tells two incidents in one town on one day apart (issue 15)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from warnd.extract import Extractor, load_extractor
from warnd.extract.events import attack_type
from warnd.extract.tokens import tokenize
from warnd.store import Store
from warnd.types import Item, ObservationFilter

T0 = datetime(2025, 3, 8, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("A car bomb killed 12 people in a market in Idlib", "bombing"),
    ("An air strike on a market in Idlib killed 12", "airstrike"),
    ("Warplanes struck the town; 12 were killed", "airstrike"),
    ("Gunmen opened fire on worshippers, killing 7", "shooting"),
    ("Twelve soldiers were killed when their patrol was ambushed", "ambush"),
    ("Shelling of the camp killed four children", "shelling"),
    ("A drone strike hit a car, killing three", "drone"),
    ("Twelve people were killed in Idlib on Monday", None),
    # The first attack named wins: a headline names the attack before the background.
    ("A suicide bomber killed 9; last week an airstrike killed 4", "bombing"),
])
def test_the_first_attack_named_is_the_item_s_type(text: str, expected: str | None) -> None:
    assert attack_type(tokenize(text)) == expected


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return load_extractor()


def _item(key: str, title: str, at: datetime) -> Item:
    return Item(feed=key, key=key, title=title, published_at=at, content_hash=hashlib.sha256(title.encode()).hexdigest())


def test_a_car_bomb_and_an_airstrike_in_one_town_on_one_day_are_two_incidents(
        store: Store, extractor: Extractor) -> None:
    reports = [_item("a", "Car bomb kills 12 in Idlib market", T0),
               _item("b", "Airstrike kills 12 in Idlib", T0 + timedelta(hours=3)),
               _item("c", "Twelve killed in Idlib car bomb, officials say", T0 + timedelta(hours=4))]
    for it in reports:
        store.ingest(it.feed, [(it, extractor.extract(it))], None, it.published_at or T0)
    got = store.observations(ObservationFilter(metrics=("killed",), measure="new"), T0, T0 + timedelta(days=1))
    by_feed = {o.feed: o for o in got}
    assert (by_feed["a"].value, by_feed["b"].value, by_feed["c"].value) == (12, 12, 0)   # c repeats a
    assert by_feed["c"].incident_id == by_feed["a"].incident_id != by_feed["b"].incident_id
