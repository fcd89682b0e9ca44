"""Nudges for the annual follow-up of communication goals, with a clock the tests move."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.reminders import calendar

RM = "region-midtjylland"


def with_leader(knowledge, org_id, meeting, timezone):
    """The org's knowledge with one leader whose dialogue meeting is `meeting`."""
    org = knowledge.org(org_id)
    leader = org.directory.leaders[0].model_copy(
        update={"dialogue_meeting": meeting, "timezone": timezone}
    )
    directory = type(org.directory).model_validate(
        {**org.directory.model_dump(), "leaders": [leader.model_dump()]}
    )
    return type(org)(org.org, org.entries, directory, org.plan)


def days(org, year):
    return {o.step.id: (o.day, o.moved) for o in calendar.occurrences(org, year)}


def test_christmas_eve_in_denmark_moves_the_nudge_to_the_day_before(knowledge):
    org = with_leader(knowledge, RM, dt.date(2027, 2, 4), "Europe/Copenhagen")
    assert days(org, 2027)["prepare_goals"] == (dt.date(2026, 12, 23), True)  # not 24 Dec


def test_midsummer_eve_in_sweden_moves_the_nudge_to_the_day_before(knowledge):
    org = with_leader(
        knowledge, "region-jamtland-harjedalen", dt.date(2027, 7, 9), "Europe/Stockholm"
    )
    assert days(org, 2027)["status"] == (dt.date(2027, 6, 24), True)  # midsommarafton 25 Jun


def test_constitution_day_in_norway_moves_the_nudge_to_the_friday_before(knowledge):
    org = with_leader(knowledge, "helsedirektoratet", dt.date(2027, 5, 31), "Europe/Oslo")
    assert days(org, 2027)["status"] == (dt.date(2027, 5, 14), True)  # 17 May is a Monday


def test_a_step_after_the_meeting_moves_forward_over_the_weekend(knowledge):
    org = with_leader(knowledge, RM, dt.date(2027, 3, 5), "Europe/Copenhagen")  # a Friday
    assert days(org, 2027)["outcome"] == (dt.date(2027, 3, 8), True)  # +1 = Saturday: Monday


def test_local_hour_holds_across_the_spring_daylight_saving_change(knowledge):
    # the change is on 28 March 2027: -14 days before 6 April = 23 March (CET), before
    # 14 April = 31 March (CEST); Easter week lies between, so pick days outside it
    before = with_leader(knowledge, RM, dt.date(2027, 4, 6), "Europe/Copenhagen")
    after = with_leader(knowledge, RM, dt.date(2027, 4, 14), "Europe/Copenhagen")
    [b] = [o for o in calendar.occurrences(before, 2027) if o.step.id == "status"]
    [a] = [o for o in calendar.occurrences(after, 2027) if o.step.id == "status"]
    assert (b.due_at.hour, a.due_at.hour) == (8, 7)  # UTC differs by the shift...
    zone = ZoneInfo("Europe/Copenhagen")
    assert b.due_at.astimezone(zone).hour == a.due_at.astimezone(zone).hour == 9  # ...local not


def test_local_hour_holds_across_the_autumn_change_and_timezones(knowledge):
    org = with_leader(knowledge, "helsedirektoratet", dt.date(2026, 11, 9), "Europe/Oslo")
    [o] = [o for o in calendar.occurrences(org, 2026) if o.step.id == "status"]
    assert o.day == dt.date(2026, 10, 26)  # the Monday after the change
    assert o.due_at.astimezone(ZoneInfo("Europe/Oslo")).hour == 9
    assert o.due_at == dt.datetime(2026, 10, 26, 8, 0, tzinfo=dt.UTC)


def mine(keys, o):
    """Only this leader's nudges: everyone else's fall due on the same clock too."""
    return [k for k in keys if f":{o.leader.email}:" in k or k == o.leader.email]


def occurrence(world, step="prepare_goals"):
    org = world.engine.knowledge.org(RM)
    leader = org.directory.leaders[0]
    year = leader.dialogue_meeting.year
    [o] = [
        o
        for o in calendar.occurrences(org, year)
        if o.leader.email == leader.email and o.step.id == step
    ]
    return o


def test_due_nudge_is_sent_once_even_when_run_twice_or_by_two_processes(world, knowledge, db_url):
    o = occurrence(world)
    world.clock.current = o.due_at + dt.timedelta(minutes=1)
    assert o.key in world.engine.reminders.run_due().sent
    from conftest import World

    other = World(knowledge, db_url, world.clock.now())  # a second process, same database
    assert other.engine.reminders.run_due().sent == []
    assert world.engine.reminders.run_due().sent == []
    delivered = world.deliver()
    assert [r for r, p in delivered if p.get("nudge") == o.key] == [o.leader.email]
    assert "kommunikationsmål" in delivered[0][1]["text"]


def test_nudge_missed_while_down_goes_out_within_the_grace_period(world):
    o = occurrence(world)
    world.clock.current = o.due_at + dt.timedelta(hours=23)  # the bot was down 23 hours
    assert mine(world.engine.reminders.run_due().sent, o) == [o.key]


def test_nudge_missed_beyond_the_grace_period_is_reported_not_sent(world, caplog):
    o = occurrence(world)
    world.clock.current = o.due_at + dt.timedelta(hours=25)
    report = world.engine.reminders.run_due()
    assert o.key in report.missed
    assert o.key not in report.sent
    assert world.engine.reminders.statuses(RM, o.year)[o.key].status == "missed"
    assert any("nudge(s) missed" in r.getMessage() for r in caplog.records)


def test_leader_answers_in_chat_goals_are_recorded_and_reported(world):
    o = occurrence(world)
    world.clock.current = o.due_at + dt.timedelta(minutes=1)
    world.engine.reminders.run_due()
    [(_, nudge)] = [d for d in world.deliver() if d[0] == o.leader.email]
    leader = world.person(o.leader.email)
    leader.say("tilføj mål: flere patienthistorier på hjemmesiden")
    assert leader.text == "Mål 1 er tilføjet: flere patienthistorier på hjemmesiden"
    leader.say("tilføj mål: svar på alle henvendelser inden for to dage")
    leader.say("sæt status på mål 1 til delvist: halvvejs")
    assert leader.text == "Mål 1 har nu status: delvist."
    leader.say("sæt status på mål 7 til opnået")
    assert leader.text.startswith(f"Der er intet mål 7 for {o.year}. Tilføj et med «tilføj mål: …»")
    leader.click(nudge, "Mine mål")
    assert "1. flere patienthistorier på hjemmesiden (delvist) – halvvejs" in leader.text
    assert "2. svar på alle henvendelser inden for to dage (ingen status)" in leader.text
    [unit] = world.engine.reminders.goals.report(o.year, RM)
    assert (unit.leader, unit.goals, unit.partly, unit.not_set) == (o.leader.email, 2, 1, 1)
    goal = world.engine.reminders.goals.goals(RM, o.leader.email, o.year)[0]
    assert [c.status for c in world.engine.reminders.goals.history(goal.id)] == [
        "not_set",
        "partly",
    ]


def test_non_leader_is_told_goals_are_for_leaders(world):
    nurse = world.person("ny.medarbejder@rm.example.org")
    nurse.say("mine mål")
    assert nurse.text.startswith("Jeg har kun mål og påmindelser for ledere")


def test_snooze_sends_the_nudge_again_a_week_later(world):
    o = occurrence(world)
    world.clock.current = o.due_at + dt.timedelta(minutes=1)
    world.engine.reminders.run_due()
    [(_, nudge)] = [d for d in world.deliver() if d[0] == o.leader.email]
    world.person(o.leader.email).click(nudge, "Mind mig om en uge")
    world.clock.advance(days=6)
    assert mine(world.engine.reminders.run_due().sent, o) == []
    world.clock.advance(days=1, minutes=1)
    assert mine(world.engine.reminders.run_due().sent, o) == [f"{o.key}:snooze:1"]


@pytest.mark.parametrize("button", ["Færdig for i år", "Afmeld påmindelser"])
def test_done_or_opted_out_leader_gets_no_further_nudges(world, button):
    first, second = occurrence(world, "prepare_goals"), occurrence(world, "status")
    world.clock.current = first.due_at + dt.timedelta(minutes=1)
    world.engine.reminders.run_due()
    [(_, nudge)] = [d for d in world.deliver() if d[0] == first.leader.email]
    world.person(first.leader.email).click(nudge, button)
    world.clock.current = second.due_at + dt.timedelta(minutes=1)
    report = world.engine.reminders.run_due()
    assert second.key in report.skipped
    assert second.key not in report.sent


def test_two_unanswered_nudges_flag_the_leader_to_the_contact_person_once(world):
    org = world.engine.knowledge.org(RM)
    first, second, third = (occurrence(world, s) for s in ("prepare_goals", "status", "outcome"))
    contact = org.directory.area(first.leader.area).contact_person
    world.clock.current = first.due_at + dt.timedelta(minutes=1)
    assert mine(world.engine.reminders.run_due().escalated, first) == []
    world.clock.current = second.due_at + dt.timedelta(minutes=1)
    assert mine(world.engine.reminders.run_due().escalated, first) == [first.leader.email]
    world.clock.current = third.due_at + dt.timedelta(minutes=1)
    assert mine(world.engine.reminders.run_due().escalated, first) == []
    flagged = [p for r, p in world.deliver() if r == contact]
    assert len(flagged) == 1
    assert "har ikke svaret på 2 påmindelser" in flagged[0]["text"]


def test_a_status_nudge_to_a_leader_with_no_goals_asks_for_goals_not_a_status(world):
    o = occurrence(world, "status")
    world.clock.current = o.due_at + dt.timedelta(minutes=1)
    world.engine.reminders.run_due()
    [text] = [p["text"] for r, p in world.deliver() if r == o.leader.email and p.get("nudge")]
    assert "tilføj mål" in text and "status på mål 1" not in text
    leader = world.person(o.leader.email)
    leader.say("tilføj mål: klarere breve")  # with a goal, the next year's nudge asks for status
    goals = world.engine.reminders.goals.goals(RM, o.leader.email, o.year)
    message = world.engine.reminders._message(world.engine.knowledge.org(RM), _nudge(o), goals)
    assert "sæt status på mål 1" in message["payload"]["text"]


def _nudge(o):
    from bot.storage.models import Nudge

    return Nudge(key=o.key, org=RM, leader=o.leader.email, step=o.step.id, year=o.year)
