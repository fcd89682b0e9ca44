"""Every id fixed by shared/knowledge-topics.md exists for every org its layer applies to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TOPICS = Path(__file__).resolve().parent.parent.parent / "shared" / "knowledge-topics.md"
ROW = re.compile(r"^\| ([a-z_]+\.[a-z_]+) \|.*\| (common|country|org|dk|se|no) \|$")
COUNTRY_OF = {
    "region-midtjylland": "dk",
    "region-nordjylland": "dk",
    "region-jamtland-harjedalen": "se",
    "helsedirektoratet": "no",
}


def required_ids() -> list[tuple[str, str]]:
    if not TOPICS.exists():
        pytest.skip(f"{TOPICS} is not beside this checkout")
    rows = [ROW.match(line.strip()) for line in TOPICS.read_text(encoding="utf-8").splitlines()]
    return [(m.group(1), m.group(2)) for m in rows if m]


def test_topic_table_is_read():
    assert len(required_ids()) >= 50


@pytest.mark.parametrize("org_id", sorted(COUNTRY_OF))
def test_every_required_id_exists_for_the_org(knowledge, org_id):
    entries = knowledge.org(org_id).entries
    country = COUNTRY_OF[org_id]
    missing = [
        entry_id
        for entry_id, layer in required_ids()
        if layer in ("common", "country", "org", country) and entry_id not in entries
    ]
    assert missing == []


@pytest.mark.parametrize("org_id", sorted(COUNTRY_OF))
def test_org_layer_ids_are_answered_by_the_org_itself(knowledge, org_id):
    entries = knowledge.org(org_id).entries
    generic = [
        eid for eid, layer in required_ids() if layer == "org" and entries[eid].layer != org_id
    ]
    assert generic == []


@pytest.mark.parametrize("org_id", sorted(COUNTRY_OF))
def test_country_layer_ids_are_answered_by_the_country(knowledge, org_id):
    entries = knowledge.org(org_id).entries
    generic = [
        eid
        for eid, layer in required_ids()
        if layer == "country" and entries[eid].layer != COUNTRY_OF[org_id]
    ]
    assert generic == []
