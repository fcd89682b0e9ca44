"""A personal number written in a chat reaches nothing that is kept or shown: no table,
no log line, no ticket, no report, no export. Synthetic numbers in every written form,
through the engine and the commands operators use, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.storage.models import Base

RM, RJH, HDIR = "region-midtjylland", "region-jamtland-harjedalen", "helsedirektoratet"
# (org, how it is written, its serial): synthetic numbers, in forms the guard once missed
WRITTEN = [
    (RM, "010190–1234", "1234"),
    (RM, "01.01.90-1234", "1234"),
    (RM, "CPR-010190 - 1234", "1234"),
    (RM, "0101\u00ad90\u20601234", "1234"),
    (RJH, "19121212+1212", "1212"),
    (RJH, "121212 - 1212", "1212"),
    (HDIR, "018190 12365", "12365"),
    (HDIR, "01.81.90/12365", "12365"),
]


def _seen(texts: list[str], serial: str) -> list[str]:
    """The texts in which the serial follows date digits (any separators between)."""
    pattern = re.compile(r"\d{2}\D{0,4}\d{2}\D{0,4}\d{2,4}\D{0,4}" + serial)
    return [t for t in texts if pattern.search(re.sub(r"[\u00ad\u200b\u2060\ufeff]", "", t))]


def _every_stored_text(engine) -> list[str]:
    texts = []
    with engine.desk.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                texts += [str(value) for value in row if value is not None]
    return texts


@pytest.mark.parametrize(("org", "written", "serial"), WRITTEN, ids=lambda v: str(v)[:16])
def test_a_personal_number_reaches_no_table_log_ticket_report_or_export(
    world, db_url, caplog, org, written, serial
):
    caplog.set_level(logging.DEBUG)
    person = world.person(f"someone@{org}.example.org", org)
    person.say(f"min patient {written} vil gerne stå frem i avisen, må hun det")
    person.say(f"vi skal lave en pjece til patient {written} om rygestop")
    labels = [c.label for r in person.last for c in r.choices]
    # answered first, or a did-you-mean ("CPR-" and the number's label read as a question
    # about personal numbers): the person asks for an adviser
    for adviser in ("Spørg en rådgiver", "Ingen af dem"):
        if adviser in labels:
            person.press(adviser)
            break
    if any(c.action.name == "draft_area" for r in person.last for c in r.choices):
        person.act(next(c.action for r in person.last for c in r.choices))
    person.press("Send")  # written in Danish in every org: the buttons are Danish
    person.say(f"TV2 står i forhallen og spørger til patient {written} der døde i nat")
    assert len(world.desk.tickets(org)) == 2  # the request and the crisis were filed
    world.deliver()

    shown = _every_stored_text(world.engine) + [r.getMessage() for r in caplog.records]
    env = {"KOMBOT_DATABASE_URL": db_url, "KOMBOT_ORG": org}
    runner = CliRunner()
    for command in (
        ["report", "unanswered", "--csv"],
        ["report", "questions", "--csv"],
        ["tickets", "list", "--org", org],
        ["tickets", "export", "--csv", "--org", org],
    ):
        result = runner.invoke(app, command, env=env)
        assert result.exit_code == 0, (command, result.output)
        shown.append(result.output)
    for ticket in world.desk.tickets(org):
        result = runner.invoke(app, ["tickets", "show", ticket.human_id], env=env)
        assert result.exit_code == 0, result.output
        shown.append(result.output)
    assert _seen(shown, serial) == []
    assert any("avisen" in text for text in shown)  # the question itself was kept, redacted
