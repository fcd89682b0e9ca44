"""Every way a person writes a personal number is caught, on synthetic numbers only,
and ordinary numbers in the knowledge and the eval sets are left alone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text as sql

from bot.evaluation import main_reply
from bot.privacy.personal_numbers import find, redact

TODAY = dt.date(2026, 11, 22)
ROOT = Path(__file__).resolve().parent.parent
# (date part, serial, country, kind): synthetic test numbers
NUMBERS = [
    ("111111", "1118", "dk", "cpr"),
    ("010190", "1234", "dk", "cpr"),
    ("121212", "1212", "se", "personnummer"),
    ("018190", "12365", "no", "fodselsnummer"),
]
INVISIBLE = ["\u00ad", "\u200b", "\u2060", "\ufeff"]
GAPS = ["-", "–", "‐", "−", " - ", " ", "", "/", "_", "."]
INSIDE = ["", " ", "."]  # inside the date, the same each time: 01 01 90, 01.01.90
BEFORE = ["", "CPR-", "cpr: ", "cpr.nr. ", "personnummer ", "fnr ", "(", "nr: "]
AFTER = ["", ".", ")", " tak", "?", ", ring"]


@st.composite
def written(draw):
    date, serial, country, kind = draw(st.sampled_from(NUMBERS))
    inside = draw(st.sampled_from(INSIDE))
    number = inside.join([date[0:2], date[2:4], date[4:6]])
    number += draw(st.sampled_from(GAPS)) + serial
    hidden = draw(st.lists(st.integers(1, len(number) - 1), max_size=2, unique=True))
    for position in sorted(hidden, reverse=True):
        number = number[:position] + draw(st.sampled_from(INVISIBLE)) + number[position:]
    text = draw(st.sampled_from(BEFORE)) + number + draw(st.sampled_from(AFTER))
    return f"patienten {text} spurgte", country, kind


@given(written())
def test_every_written_form_is_found_and_redacted(case):
    text, country, kind = case
    redacted, findings = redact(text, country, TODAY)
    assert [f.kind for f in findings] == [kind]
    assert not re.search(r"\d{2}\D{0,3}\d{2}", redacted), redacted


def test_swedes_over_100_write_plus():
    [finding] = find("personnummer 121212+1212", "se", TODAY)
    assert finding.kind == "personnummer"
    assert find("tal 121212+1212", "dk", TODAY)[0].kind == "personnummer"  # never a CPR


def test_ordinary_numbers_in_the_knowledge_and_eval_sets_are_left_alone():
    texts = [
        str(item["q"])
        for path in (ROOT / "tests" / "eval").rglob("*.yaml")
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "knowledge").rglob("*.yaml")]
    flagged = [f for text in texts for f in find(text, "dk", TODAY)]
    assert flagged == []


def test_forms_the_guard_once_missed_never_reach_storage(bot, engine):
    for written_form in ("010190–1234", "01.01.90-1234", "01 01 90 1234", "CPR-010190-1234"):
        reply = main_reply(bot.say(f"må jeg sende {written_form} til en journalist?"))
        assert "1234" not in reply.text
    with engine.desk.sessions() as session:
        stored = session.execute(sql("SELECT question FROM answers")).scalars().all()
    assert all("1234" not in (q or "") for q in stored)
