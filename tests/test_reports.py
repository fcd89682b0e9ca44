"""Figures for the communication department: records, feedback, reports, retention, rights."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.analytics.reports import Reports, cluster
from bot.analytics.review import notify_stale_owners
from bot.cli import app
from bot.storage.models import AnswerRecord, FeedbackRecord, OutboxMessage, Turn
from bot.understanding.analyse import Analyser

RM = "region-midtjylland"


def rows(world, model):
    with world.desk.sessions() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def reports(world):
    return Reports(world.engine.knowledge, world.desk.sessions, world.engine.reminders.goals)


def test_clustering_groups_similar_questions_into_themes(knowledge):
    texts = [
        "hvor kan jeg parkere",
        "hvor kan man parkere ved hospitalet",
        "må vi parkere ved indgangen",
        "hvad er der til frokost i kantinen",
        "kantinen frokost i dag",
        "jeg har glemt mit password",
    ]
    analyser = Analyser(knowledge.synonyms)
    themes = cluster([" ".join(analyser.terms(t, "da")) for t in texts])
    assert [len(t) for t in themes] == [3, 2, 1]
    assert set(themes[0]) == {0, 1, 2}


def test_every_answer_is_recorded_without_text_when_it_held_a_personal_number(world):
    person = world.person("nurse@rm.example.org")
    person.say("må jeg udtale mig til pressen om min afdeling")
    person.say("patient 111111-1118 vil tale med avisen, hvad gør jeg")
    first, second = rows(world, AnswerRecord)
    assert (first.kind, first.entry, first.language) == (
        "answer",
        "press.who_speaks_on_behalf",
        "da",
    )
    assert first.question == "må jeg udtale mig til pressen om min afdeling"
    assert first.knowledge_version == world.engine.knowledge.version
    assert second.question is None  # a personal number was found: no text kept


def test_feedback_with_reason_and_none_of_these_are_recorded(world):
    person = world.person("nurse@rm.example.org")
    person.say("do I have to answer when a reporter calls me?")
    person.press("Not helpful")
    person.press("Not enough")
    person.say("hvornår kommer der nye kaffemaskiner i kantinen på hospitalet")
    [feedback] = rows(world, FeedbackRecord)
    assert (feedback.entry, feedback.verdict, feedback.reason) == (
        "press.no_obligation_to_speak",
        "not_helpful",
        "not_enough",
    )
    unhelpful = reports(world).unhelpful(RM, world.clock.now() - dt.timedelta(days=1))
    assert unhelpful == [
        {
            "entry": "press.no_obligation_to_speak",
            "verdict": "not_helpful",
            "reason": "not_enough",
            "times": 1,
        }
    ]


def test_outcomes_and_unanswered_themes_on_a_seeded_database(world):
    person = world.person("nurse@rm.example.org")
    for question in (
        "hvor kan jeg parkere",
        "hvor kan man parkere ved hospitalet",
        "må jeg udtale mig til pressen om min afdeling",
        "hvad er wifi koden",
    ):
        person.say(question)
    since = world.clock.now() - dt.timedelta(days=1)
    outcomes = {r["outcome"]: r["questions"] for r in reports(world).outcomes(RM, since)}
    assert outcomes["answer"] == 1
    assert sum(outcomes.values()) == 4
    themes = reports(world).unanswered(RM, since)
    assert themes[0]["questions"] == 2
    assert "parkere" in themes[0]["example"]
    assert "askers" not in themes[0]
    assert reports(world).unanswered(RM, since, askers=True)[0]["askers"] == (
        "nurse@rm.example.org"
    )


def test_retention_forgets_old_texts_and_keeps_the_counts(world):
    person = world.person("nurse@rm.example.org")
    person.say("må jeg udtale mig til pressen om min afdeling")
    world.clock.advance(days=91)
    person.say("hvor kan jeg parkere")
    forgotten = world.engine.records.apply_retention(90)
    assert (forgotten["question_texts"], forgotten["transcript_lines"]) == (1, 2)
    assert forgotten["message_ids"] == 0  # asked directly, not through the inbox
    old, new = rows(world, AnswerRecord)
    assert (old.question, old.entry) == (None, "press.who_speaks_on_behalf")
    assert new.question == "hvor kan jeg parkere"
    assert len(rows(world, Turn)) == 2
    since = world.clock.now() - dt.timedelta(days=365)
    assert sum(r["questions"] for r in reports(world).questions(RM, since)) == 2


def test_owners_of_entries_past_review_are_told_once(world):
    world.clock.current = dt.datetime(2027, 12, 1, 9, tzinfo=dt.UTC)  # everything is stale
    knowledge = world.engine.knowledge
    first = notify_stale_owners(knowledge, world.desk.sessions, world.clock)
    assert first > 50
    notify_stale_owners(knowledge, world.desk.sessions, world.clock)
    queued = [r for r in rows(world, OutboxMessage) if r.key.startswith("review:")]
    assert len(queued) == first  # idempotent
    assert {r.recipient for r in queued} >= {
        "kb-common@example.org",
        "rm-kommunikation@example.org",
    }


def test_report_shows_askers_only_to_an_admin(knowledge, tmp_path, monkeypatch):
    monkeypatch.setenv("KOMBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'kombot.db'}")
    runner = CliRunner()
    admin = knowledge.org(RM).directory.admins()[0]
    refused = runner.invoke(
        app, ["report", "unanswered", "--org", RM, "--askers", "--as", "nurse@rm.example.org"]
    )
    assert refused.exit_code == 1
    assert "is not an admin" in refused.output
    allowed = runner.invoke(
        app, ["report", "unanswered", "--org", RM, "--askers", "--as", admin, "--csv"]
    )
    assert allowed.exit_code == 0, allowed.output
    assert runner.invoke(app, ["report", "nonsense"]).exit_code == 2


def test_old_drafts_are_purged(world):
    employee = world.person("ny.medarbejder@rm.example.org")
    employee.say("vi skal lave en pjece om den nye klinik")
    world.clock.advance(days=3)
    assert world.engine.records.apply_retention(90)["drafts"] == 0
    world.clock.advance(days=90)
    assert world.engine.records.apply_retention(90)["drafts"] == 1


TYPED_FEEDBACK = [  # (org, question, typed feedback, verdict recorded)
    (RM, "må jeg udtale mig til pressen om min afdeling", "tak, det hjalp!", "helpful"),
    (RM, "hvad er et godt lix-tal", "det svar var forkert", "not_helpful"),
    ("region-jamtland-harjedalen", "vad är meddelarfrihet", "tack så mycket", "helpful"),
    ("region-jamtland-harjedalen", "vad är meddelarfrihet", "det hjälpte inte", "not_helpful"),
    ("helsedirektoratet", "må jeg uttale meg til pressen", "takk", "helpful"),
    ("helsedirektoratet", "hva er klarspråk", "svaret er utdatert", "not_helpful"),
    (RM, "do I have to answer when a reporter calls me?", "thanks!", "helpful"),
    (RM, "do I have to answer when a reporter calls me?", "that's not what i asked", "not_helpful"),
]


def test_typed_feedback_counts_for_the_last_answer(world):
    for n, (org, question, typed, verdict) in enumerate(TYPED_FEEDBACK):
        person = world.person(f"nurse{n}@example.org", org=org)
        [answer] = [r for r in person.say(question) if r.kind == "answer"]
        [reply] = person.say(typed)
        assert reply.intent == "feedback", typed
        if verdict == "not_helpful":
            assert reply.choices, typed  # asks why, as the button does
        feedback = rows(world, FeedbackRecord)[-1]
        assert (feedback.org, feedback.user, feedback.entry, feedback.verdict) == (
            org,
            f"nurse{n}@example.org",
            answer.entry,
            verdict,
        ), typed


def test_thanks_long_after_an_answer_records_nothing(world):
    person = world.person("nurse@rm.example.org")
    person.say("må jeg udtale mig til pressen om min afdeling")
    world.clock.advance(hours=2)
    [reply] = person.say("tak")
    assert reply.intent == "greeting" and reply.text.startswith("Selv tak!")
    [complaint] = person.say("det svar var forkert")
    assert complaint.intent == "feedback" and "Ikke hjælpsomt" in complaint.text
    assert rows(world, FeedbackRecord) == []


@pytest.mark.parametrize(
    ("org", "typed", "welcome"),
    [
        (RM, "tak for hjælpen!", "Selv tak!"),
        ("region-jamtland-harjedalen", "tack, det var allt!", "Varsågod!"),
        ("helsedirektoratet", "takk!", "Bare hyggelig!"),
        (RM, "thanks, that helped a lot", "You're welcome!"),
    ],
)
def test_thanks_as_a_first_message_is_a_courtesy_not_feedback(world, org, typed, welcome):
    [reply] = world.person("new@example.org", org=org).say(typed)
    assert (reply.kind, reply.intent) == ("intent", "greeting")
    assert reply.text.startswith(welcome)
    assert rows(world, FeedbackRecord) == []


def test_thanks_for_an_answer_of_yesterday_is_still_feedback(world):
    [reply] = world.person("new@example.org").say("tak for svaret i går, det var rigtig godt")
    assert reply.intent == "feedback" and "Ikke hjælpsomt" in reply.text


def test_the_same_verdict_twice_on_one_answer_counts_once(world):
    person = world.person("nurse@rm.example.org")
    person.say("må jeg udtale mig til pressen om min afdeling")
    person.press("Hjælpsomt")
    person.say("tak, det hjalp")
    assert [f.verdict for f in rows(world, FeedbackRecord)] == ["helpful"]
