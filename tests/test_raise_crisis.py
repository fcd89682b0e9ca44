"""A crisis the model read as something else is one press away: answers, did-you-means and
fallbacks an acute situation may have been read as offer to alert the press officer now."""

from __future__ import annotations

import pytest

RM, RJH, HDIR = "region-midtjylland", "region-jamtland-harjedalen", "helsedirektoratet"


ON_DUTY_QUESTIONS = [
    (RM, "da", "akut presse, hvem har pressevagten"),
    (RJH, "sv", "vem har pressjouren just nu"),
    (HDIR, "nb", "hvem har pressevakten nå"),
    (RM, "en", "who is the on-duty press officer right now"),
]


@pytest.mark.parametrize(("org", "lang", "text"), ON_DUTY_QUESTIONS, ids=lambda v: str(v)[:12])
def test_an_answer_about_the_press_officer_raises_a_crisis_with_one_press(world, org, lang, text):
    """The model reads some acute situations ("akut presse") as a question about the press
    officer or a journalist's call. Those answers offer to alert the press officer now: the
    question becomes a crisis ticket, once however often the button is pressed."""
    person = world.person(f"someone.{lang}@{org}.example.org", org)
    [answered] = person.say(text, message_id=f"q-{lang}")
    assert answered.kind == "answer" and answered.entry == "crisis.on_duty_press_officer"
    assert world.desk.tickets() == []
    label = world.engine.knowledge.message("raise_crisis", lang)
    assert answered.choices[0].label == label
    [raised] = person.press(label)
    assert raised.intent == "crisis" and raised.language == lang
    [ticket] = world.desk.tickets(org)
    assert text in ticket.body and ticket.requester == person.user
    assert ticket.human_id in raised.text
    person.say("tak" if lang == "da" else "thanks")
    person.act(answered.choices[0].action)  # pressed again, later
    assert len(world.desk.tickets(org)) == 1


def raises_a_crisis_when_pressed(world, person, reply, org: str, lang: str, text: str) -> None:
    """The reply's first button alerts the press officer: the question becomes a crisis
    ticket of its org."""
    label = world.engine.knowledge.message("raise_crisis", lang)
    assert reply.choices[0].label == label
    [raised] = person.press(label)
    assert raised.intent == "crisis"
    [ticket] = world.desk.tickets(org)
    assert text in ticket.body


def test_a_routine_answer_offers_no_crisis(world):
    [answered] = world.person("someone@rm.example.org", RM).say("hvad er en god lix")
    label = world.engine.knowledge.message("raise_crisis", "da")
    assert all(choice.label != label for choice in answered.choices)


def test_a_fallback_that_may_also_be_a_crisis_offers_to_raise_it(world):
    """A bomb threat reads as out of scope (security is not ours) and, less, as a crisis:
    the fallback offers to alert the press officer, and the person decides."""
    person = world.person("someone@rjh.example.org", RJH)
    text = "bombhot mot sjukhuset"
    [fell_back] = person.say(text, message_id="threat-1")
    assert fell_back.kind == "fallback" and world.desk.tickets() == []
    assert fell_back.text.startswith("Är det akut?")
    raises_a_crisis_when_pressed(world, person, fell_back, RJH, "sv", text)
    label = world.engine.knowledge.message("raise_crisis", "sv")
    [lunch] = person.say("hvornår er der frokost i kantinen")
    assert lunch.kind == "fallback" and all(c.label != label for c in lunch.choices)
    assert "akut" not in lunch.text


def test_a_did_you_mean_listing_the_press_preparedness_offers_the_crisis_first(world):
    person = world.person("someone@rm.example.org", RM)
    text = "hej tilsynsrapporten presseomtale"
    [unsure] = person.say(text, message_id="unsure-1")
    assert unsure.kind == "suggestions"
    assert "crisis.press_preparedness_group" in unsure.suggestions
    raises_a_crisis_when_pressed(world, person, unsure, RM, "da", text)


@pytest.mark.parametrize("text", ["akut", "shitstorm!"])
def test_one_word_is_never_acted_on_as_a_crisis_but_offers_to_raise_one(world, text):
    """One word is no situation to page anyone for ("menu" once did), but a person who
    types only "akut" may be in one: the reply offers the button."""
    person = world.person("someone@rm.example.org", RM)
    [reply] = person.say(text, message_id=f"one-{text}")
    assert reply.intent != "crisis" and world.desk.tickets() == []
    if reply.kind == "fallback":  # not "outside what I can help with" above the button
        assert reply.text.startswith("Er det akut?")
    raises_a_crisis_when_pressed(world, person, reply, RM, "da", text)
