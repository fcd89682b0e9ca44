"""Requests become tickets: routing, confirmation, lifecycle, rights, escalation, outbox.

Every test runs on SQLite and on PostgreSQL (the `world` fixture).
"""

from __future__ import annotations

import pytest

from bot.tickets import routing

RM = "region-midtjylland"
EMPLOYEE = "ny.medarbejder@rm.example.org"  # not in the directory: asked for the area once


def directory(world, org=RM):
    return world.engine.knowledge.org(org).directory


def ask_for_leaflet(world, who=EMPLOYEE):
    employee = world.person(who)
    employee.say("vi skal lave en pjece om den nye ambulante klinik")
    return employee


def file_leaflet(world, who=EMPLOYEE):
    """Ask for a leaflet, give the area, press Send: RM-2026-0001 to the patients function."""
    employee = ask_for_leaflet(world, who)
    employee.press(directory(world).areas[0].name["da"])
    employee.press("Send")
    return employee


def test_unknown_employee_is_asked_for_the_area_once_then_sees_the_preview(world):
    employee = ask_for_leaflet(world)
    assert "Hvilket område arbejder du i?" in employee.text
    area = directory(world).areas[0]
    employee.press(area.name["da"])
    assert "Skal jeg sende den?" in employee.text
    assert "pjece om den nye ambulante klinik" in employee.text
    employee.say("vi skal bruge hjælp til en pressemeddelelse")
    assert "Hvilket område" not in employee.text  # remembered


def test_request_is_routed_to_the_expert_function_with_the_reason(world):
    employee = ask_for_leaflet(world)
    employee.press(directory(world).areas[0].name["da"])
    patients = directory(world).function("patients")
    assert patients.name["da"] in employee.text
    assert "fordi det er den slags opgaver, de tager sig af" in employee.text


def test_confirmed_request_becomes_a_ticket_and_the_function_is_told(world):
    employee = file_leaflet(world)
    assert "Sendt som RM-2026-0001" in employee.text
    delivered = world.deliver()
    members = directory(world).function("patients").members
    assert sorted(r for r, _ in delivered) == sorted(members)
    payload = delivered[0][1]
    assert "RM-2026-0001" in payload["text"]
    assert [c["label"] for c in payload["choices"]] == ["Tag sagen", "Løst", "Send videre"]


def test_pressing_send_twice_files_one_ticket(world):
    employee = ask_for_leaflet(world)
    employee.press(directory(world).areas[0].name["da"])
    send = employee.choice("Send")
    employee.act(send)
    employee.act(send)
    assert [t.human_id for t in world.desk.tickets()] == ["RM-2026-0001"]


def test_whole_flow_adviser_claims_and_resolves_requester_hears_back(world):
    file_leaflet(world)
    adviser_email, payload = world.deliver()[0]
    adviser = world.person(adviser_email)
    adviser.click(payload, "Tag sagen")
    assert adviser.text == "Du har taget RM-2026-0001."
    [(to, claimed)] = world.deliver()
    assert to == EMPLOYEE
    assert claimed["text"].endswith("har taget din henvendelse RM-2026-0001.")
    adviser.click(payload, "Løst")
    assert adviser.text == "RM-2026-0001 er markeret som løst."
    [(to, resolved)] = world.deliver()
    assert (to, resolved["text"].startswith("Din henvendelse RM-2026-0001 er løst")) == (
        EMPLOYEE,
        True,
    )
    events = [e.kind for e in world.desk.events(world.desk.tickets()[0].id)]
    assert events == ["created", "claimed", "resolved"]


def test_second_adviser_is_told_who_has_it(world):
    file_leaflet(world)
    deliveries = world.deliver()
    (first, payload1), (second, payload2) = deliveries[:2]
    world.person(first).click(payload1, "Tag sagen")
    late = world.person(second)
    late.click(payload2, "Tag sagen")
    name = directory(world).person(first).name
    assert late.text == f"RM-2026-0001 er allerede taget af {name}."


def test_rights_outsiders_are_refused_and_nothing_changes(world):
    file_leaflet(world)
    adviser_email, payload = world.deliver()[0]
    outsider = world.person("someone.else@rm.example.org")
    outsider.click(payload, "Tag sagen")
    assert outsider.text == "Du har ikke adgang til RM-2026-0001."
    outsider.click(payload, "Løst")
    assert outsider.text == "Du har ikke adgang til RM-2026-0001."
    [ticket] = world.desk.tickets()
    assert ticket.state == "open"
    world.person(EMPLOYEE).click(payload, "Tag sagen")  # the requester may not claim either
    assert world.desk.tickets()[0].state == "open"


def test_resolving_someone_elses_ticket_and_claiming_a_resolved_one(world):
    file_leaflet(world)
    deliveries = world.deliver()
    (first, payload1), (second, payload2) = deliveries[:2]
    world.person(first).click(payload1, "Tag sagen")
    other = world.person(second)
    other.click(payload2, "Løst")
    assert "kun vedkommende eller en administrator" in other.text
    assert world.desk.tickets()[0].state == "claimed"
    world.person(first).click(payload1, "Løst")
    other.click(payload2, "Tag sagen")
    assert other.text == "RM-2026-0001 er løst og kan ikke tages."


def test_unknown_ticket_id_is_a_clear_message(world):
    adviser = world.person(directory(world).admins()[0])
    adviser.act(routing_action("claim", {"ticket": "RM-2026-9999"}))
    assert adviser.text == "Jeg kan ikke finde sagen RM-2026-9999."


def routing_action(name, args):
    from bot.replies import Action

    return Action(name, args, "da")


def test_reassign_goes_to_the_new_person_and_the_requester_is_told(world):
    file_leaflet(world)
    adviser_email, payload = world.deliver()[0]
    adviser = world.person(adviser_email)
    adviser.click(payload, "Send videre")
    target = next(c for c in adviser.last[0].choices)
    adviser.act(target.action)
    new_email = target.action.args["to"]
    assert world.desk.tickets()[0].assignee == new_email
    delivered = world.deliver()
    assert {r for r, _ in delivered} == {new_email, EMPLOYEE}


def test_reassign_to_someone_not_in_the_directory_changes_nothing(world):
    file_leaflet(world)
    adviser_email, _ = world.deliver()[0]
    adviser = world.person(adviser_email)
    adviser.act(
        routing_action("reassign_to", {"ticket": "RM-2026-0001", "to": "ghost@rm.example.org"})
    )
    assert "ghost@rm.example.org findes ikke i kontaktlisten" in adviser.text
    assert world.desk.tickets()[0].assignee is None


def test_crisis_escalates_to_the_backup_then_the_crisis_function(world):
    employee = world.person(EMPLOYEE)
    employee.say("TV2 står i forhallen og spørger til dødsfaldet på afdeling B")
    duty = directory(world).on_duty
    assert "RM-2026-0001" in employee.text
    channels = directory(world).function("media").triage_channel
    assert [r for r, _ in world.deliver()] == [
        duty.officer(world.clock.now().date()),
        "slack-channel:" + channels["slack"],
        "teams-channel:" + channels["teams"],
    ]
    world.clock.advance(minutes=14)
    assert world.desk.escalate_due() == 0
    world.clock.advance(minutes=2)
    assert world.desk.escalate_due() == 1
    assert {r for r, _ in world.deliver()} == {duty.backup, EMPLOYEE}
    world.clock.advance(minutes=16)
    assert world.desk.escalate_due() == 1
    crisis = set(directory(world).function("crisis").members)
    assert duty.backup in crisis  # told at the first step: not told again at the second
    assert {r for r, _ in world.deliver()} == crisis - {duty.backup} | {EMPLOYEE}


def test_a_crisis_raised_by_mistake_is_cancelled_with_one_press_and_the_officer_told(world):
    """A story that only mentions a reporter can read as a crisis: whoever raised it undoes
    it, the on-duty officer hears they need do nothing, and nothing escalates."""
    employee = world.person(EMPLOYEE)
    [raised] = employee.say("TV2 står i forhallen og spørger til dødsfaldet på afdeling B")
    officer = directory(world).on_duty.officer(world.clock.now().date())
    world.deliver()
    not_acute = raised.choices[-1].action
    [cancelled] = employee.press("Ikke akut – annullér alarmen")
    assert cancelled.text == "RM-2026-0001 er annulleret."
    [ticket] = world.desk.tickets()
    assert ticket.state == "cancelled"
    told = [p["text"] for r, p in world.deliver() if r == officer]
    assert len(told) == 1 and "RM-2026-0001" in told[0] and "behøver ikke" in told[0]
    world.clock.advance(minutes=16)
    assert world.desk.escalate_due() == 0
    [again] = employee.act(not_acute)  # pressed twice
    assert "RM-2026-0001" in again.text and world.desk.tickets()[0].state == "cancelled"


def test_past_the_top_step_only_the_last_step_is_reminded_not_the_requester(world):
    world.person(EMPLOYEE).say("TV2 står i forhallen og spørger til dødsfaldet på afdeling B")
    world.deliver()
    told = []
    for _ in range(3):
        world.clock.advance(minutes=16)
        world.desk.escalate_due()
        told.append(sorted(r for r, _ in world.deliver()))
    crisis = set(directory(world).function("crisis").members)
    backup = directory(world).on_duty.backup
    assert told[2] == sorted(crisis - {backup})  # a reminder, without news for the requester
    hasters = [r for step in told for r in step if r == backup]
    assert hasters == [backup]  # the backup, also in the crisis function, told once


def test_claimed_ticket_does_not_escalate(world):
    world.person(EMPLOYEE).say("TV2 står i forhallen og spørger til dødsfaldet på afdeling B")
    officer, payload = world.deliver()[0]
    world.person(officer).click(payload, "Tag sagen")
    world.clock.advance(hours=2)
    assert world.desk.escalate_due() == 0


def test_normal_ticket_escalates_after_two_working_days_to_the_head(world):
    file_leaflet(world)
    world.deliver()
    world.clock.advance(days=1, hours=23)  # Thursday morning: one working day
    assert world.desk.escalate_due() == 0
    world.clock.advance(hours=2)
    assert world.desk.escalate_due() == 1
    assert set(directory(world).admins()) <= {r for r, _ in world.deliver()}


def test_outbox_row_survives_a_crash_and_is_delivered_once(world, knowledge, db_url):
    employee = ask_for_leaflet(world)
    employee.press(directory(world).areas[0].name["da"])
    employee.press("Send")  # stored, not yet delivered: now the process "dies"
    from conftest import World

    restarted = World(knowledge, db_url, world.clock.now())
    first = restarted.deliver()
    assert len(first) == len(directory(world).function("patients").members)
    assert restarted.deliver() == []


def test_failed_delivery_is_retried_with_backoff(world):
    file_leaflet(world)
    failures = []

    def broken(row):
        failures.append(row.id)
        raise ConnectionError("channel down")

    world.worker.send = broken
    assert world.worker.run_once() == 0
    world.worker.send = world._record
    assert world.deliver() == []  # not yet: backing off
    world.clock.advance(seconds=6)
    assert len(world.deliver()) == len(failures)


@pytest.mark.parametrize(
    "org",
    ["region-midtjylland", "region-nordjylland", "region-jamtland-harjedalen", "helsedirektoratet"],
)
def test_routing_per_org(knowledge, org):
    directory = knowledge.org(org).directory
    import datetime as dt

    monday_odd = dt.date(2026, 11, 16)  # ISO week 47
    crisis = routing.route(directory, crisis=True, function=None, area=None, today=monday_odd)
    assert (crisis.kind, crisis.assignee, crisis.priority) == (
        "on_duty",
        directory.on_duty.odd_weeks,
        "urgent",
    )
    brand = routing.route(directory, crisis=False, function="brand", area=None, today=monday_odd)
    assert (brand.kind, brand.function, brand.assignee) == ("function", "brand", None)
    area = directory.areas[-1]
    local = routing.route(directory, crisis=False, function=None, area=area.id, today=monday_odd)
    assert (local.kind, local.assignee) == ("contact_person", area.contact_person)
    assert (
        routing.route(directory, crisis=False, function=None, area=None, today=monday_odd) is None
    )


def test_press_in_nordjylland_goes_to_politisk_sekretariat(knowledge):
    media = knowledge.org("region-nordjylland").directory.function("media")
    assert "Politisk Sekretariat" in media.name["da"]


def test_worker_killed_while_sending_delivers_again_after_the_lease(world):
    file_leaflet(world)
    claimed = world.worker.claim(limit=10)  # the worker takes the rows... and dies here
    assert claimed
    assert world.deliver() == []  # leased to the dead worker
    world.clock.advance(seconds=61)
    again = world.deliver()
    assert len(again) == len(claimed)
    assert world.deliver() == []


def test_requester_can_cancel_an_open_request(world):
    employee = file_leaflet(world)
    employee.say("hvad er status på min henvendelse")
    assert "RM-2026-0001 · åben" in employee.text
    employee.press("Annullér RM-2026-0001")
    assert employee.text == "RM-2026-0001 er annulleret."
    assert world.desk.tickets()[0].state == "cancelled"


def test_ticket_carries_the_conversation_with_personal_numbers_redacted(world):
    employee = world.person(directory(world).people[-1].email)
    employee.say("en journalist ringede om patienten 111111-1118, hvad gør jeg")
    employee.press("Spørg en rådgiver")
    if "Hvilket område" in employee.text:
        employee.press(directory(world).areas[0].name["da"])
    employee.press("Send")
    [ticket] = world.desk.tickets()
    assert "[CPR-nummer]" in ticket.body
    assert "111111" not in ticket.body + ticket.subject
    assert "journalist ringede" in ticket.subject
    assert ticket.function == "media"


@pytest.mark.parametrize("yes", ["ja", "Ja tak!", "ok"])
def test_yes_typed_to_the_preview_sends_it_once(world, yes):
    employee = ask_for_leaflet(world)
    employee.press(directory(world).areas[0].name["da"])
    employee.say(yes)
    assert "Sendt som RM-2026-0001" in employee.text
    employee.say(yes)  # nothing awaits confirmation now: no second ticket
    assert [t.human_id for t in world.desk.tickets()] == ["RM-2026-0001"]
    assert "Sendt som" not in employee.text


def test_no_typed_to_the_preview_cancels_it(world):
    employee = ask_for_leaflet(world)
    employee.press(directory(world).areas[0].name["da"])
    employee.say("nej")
    assert "Det er i orden – jeg har ikke sendt noget." in employee.text
    assert world.desk.tickets() == []
    employee.say("ja")  # the cancelled request is gone: nothing to send
    assert world.desk.tickets() == []


def test_yes_an_hour_after_the_preview_sends_nothing(world):
    employee = ask_for_leaflet(world)
    employee.press(directory(world).areas[0].name["da"])
    world.clock.advance(hours=2)
    employee.say("ja")
    assert world.desk.tickets() == []
