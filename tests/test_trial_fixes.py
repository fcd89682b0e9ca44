"""What people met in a full console trial (issue 12), each as the input a person typed and
what they should get, in every language where it applies."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from conftest import ChatBot
from rich.console import Console
from typer.testing import CliRunner

from bot.channels.console import chat
from bot.cli import app
from bot.commands.reminders import next_meeting_year
from bot.knowledge.report import meetings_on_closed_days
from bot.reminders import calendar
from bot.workdays import is_working_day
from bot.writing.lix import sentences

RM, RN, RJH, HDIR = (
    "region-midtjylland",
    "region-nordjylland",
    "region-jamtland-harjedalen",
    "helsedirektoratet",
)
CRISES = [
    (RM, "da", "TV2 står i forhallen og spørger til dødsfaldet på afdeling B"),
    (RN, "da", "TV2 Nord står i forhallen og spørger til dødsfaldet på afdeling B"),
    (RJH, "sv", "SVT står i entrén och frågar om dödsfallet på avdelning 4"),
    (HDIR, "nb", "NRK står i resepsjonen og spør om dødsfallet på avdelingen"),
    (RM, "en", "a TV crew is in our lobby right now asking about the death on ward B"),
]


@pytest.mark.parametrize(("org", "lang", "text"), CRISES, ids=lambda v: str(v)[:12])
def test_the_crisis_reply_is_one_clear_message(knowledge, world, org, lang, text):
    person = world.person(f"someone.{lang}@example.org", org)
    [reply] = person.say(text)
    assert reply.intent == "crisis" and reply.language == lang
    directory = knowledge.org(org).directory
    officer = directory.person(directory.on_duty.officer(world.clock.now().date()))
    assert officer.name in reply.text and officer.phone in reply.text  # who, and how to reach
    assert "1." in reply.text and "3." in reply.text  # the three things to do meanwhile
    for leftover in ("endnu ikke", "ännu inte", "ennå ikke", "can't alert", "kontakt Kommunik"):
        assert leftover not in reply.text
    [ticket] = [t for t in world.desk.tickets(org) if t.requester == person.user]
    assert ticket.human_id in reply.text and ticket.assignee == officer.email
    more, not_acute = reply.choices  # the preparedness answer: a button, not a wall of text
    assert more.action.args == {"entry": "crisis.press_preparedness_group"}
    assert not_acute.action.name == "cancel_ticket"
    assert not_acute.action.args == {"ticket": ticket.human_id}
    assert len(reply.text) < 900
    role = directory.on_duty.name[lang]
    assert f"({role})" in reply.text and not role.startswith(("The ", "Pressevagten"))


def test_in_nordjylland_the_crisis_names_the_political_secretariat(world):
    [reply] = world.person("someone@rn.example.org", RN).say(CRISES[1][2])
    assert "Politisk Sekretariats pressevagt" in reply.text


GOAL_STATUS = [  # as the bot suggests it, in each language, with every status word
    (RM, "tilføj mål: flere patienthistorier", "sæt status på mål 1 til delvist: halvvejs"),
    (RJH, "lägg till mål: fler patientberättelser", "sätt status på mål 1 till delvis: halvvägs"),
    (HDIR, "legg til mål: flere pasienthistorier", "sett status på mål 1 til delvis: halvveis"),
    (RM, "add goal: more patient stories", "set status of goal 1 to partly: halfway"),
    (RJH, "lägg till mål: fler berättelser", "sätt status på mål 1 till uppnått"),
    (RJH, "lägg till mål: fler berättelser", "sätt status på mål 1 till inte än"),
    (HDIR, "legg til mål: flere historier", "sett status på mål 1 til oppnådd"),
]
EXPECTED = ["partly"] * 4 + ["achieved", "not_yet", "achieved"]


@pytest.mark.parametrize(
    ("org", "add", "status", "expected"),
    [(*case, expected) for case, expected in zip(GOAL_STATUS, EXPECTED, strict=True)],
    ids=lambda v: str(v)[:14],
)
def test_goal_status_is_saved_with_the_syntax_the_bot_suggests(
    knowledge, world, org, add, status, expected
):
    leader = knowledge.org(org).directory.leaders[0]
    person = world.person(leader.email, org)
    person.say(add)
    person.say(status)
    [goal] = world.engine.reminders.goals.goals(org, leader.email, leader.dialogue_meeting.year)
    assert goal.status == expected
    if ":" in status:
        assert goal.comment.startswith(("halv", "half"))


@pytest.mark.parametrize(
    ("org", "add", "remove"),
    [
        (RM, "tilføj mål: flere patienthistorier", "slet mål 1"),
        (RJH, "lägg till mål: fler patientberättelser", "ta bort mål 1"),
        (HDIR, "legg til mål: flere pasienthistorier", "slett mål 1"),
        (RM, "add goal: more patient stories", "delete goal 1"),
    ],
    ids=["da", "sv", "nb", "en"],
)
def test_a_leader_deletes_a_goal_by_typing_it(knowledge, world, org, add, remove):
    leader = knowledge.org(org).directory.leaders[0]
    person = world.person(leader.email, org)
    person.say(add)
    person.say(add.replace("patient", "flere "))
    replies = person.say(remove)
    register = world.engine.reminders.goals
    year = leader.dialogue_meeting.year
    assert [g.number for g in register.goals(org, leader.email, year)] == [2]
    assert replies[0].text == knowledge.message("goal_removed", replies[0].language, number=1)
    [unit] = [r for r in register.report(year, org) if r.leader == leader.email]
    assert unit.goals == 1  # the report counts it no more
    again = person.say(remove)  # already gone: said so, nothing else changes
    assert "1" in again[0].text and len(register.goals(org, leader.email, year)) == 1


def choose_area_if_asked(person: ChatBot) -> None:
    """A person the directory has no area for is asked once: they pick the first."""
    if any(c.action.name == "draft_area" for r in person.last for c in r.choices):
        person.act(next(c.action for r in person.last for c in r.choices))


def test_a_ticket_carries_its_question_and_answer_not_the_session(world):
    nurse = world.person("sygeplejerske@rm.example.org")
    nurse.say("hvordan skriver jeg en pressemeddelelse om vores nye skanner")
    nurse.say("hvad er status på mine sager")
    nurse.say("må jeg udtale mig til pressen om min afdeling")
    nurse.press("Spørg en rådgiver")
    choose_area_if_asked(nurse)
    nurse.press("Send")
    [ticket] = [t for t in world.desk.tickets() if t.requester == nurse.user]
    assert "må jeg udtale mig til pressen" in ticket.body
    assert "pressemeddelelse" not in ticket.body and "mine sager" not in ticket.body
    assert "user:" not in ticket.body and "Spørgsmål:" in ticket.body


def leaflet(world) -> tuple[ChatBot, object, str, dict]:
    """A nurse sends a leaflet request: the ticket, an adviser told of it, and the notice."""
    nurse = world.person("sygeplejerske@rm.example.org")
    nurse.say("vi skal lave en pjece om rygestop")
    choose_area_if_asked(nurse)
    nurse.press("Send")
    [ticket] = world.desk.tickets()
    [(adviser, notice), *_] = [d for d in world.deliver() if d[0] != nurse.user]
    return nurse, ticket, adviser, notice


def test_the_assignee_is_told_when_the_requester_cancels(world):
    nurse, ticket, adviser_email, _ = leaflet(world)
    adviser = world.person(adviser_email)
    adviser.say(f"tag sagen {ticket.human_id}")
    assert world.desk.tickets()[0].state == "claimed"
    nurse.say(f"annullér sag {ticket.human_id}")
    told = [p for r, p in world.deliver() if r == adviser_email]
    assert any(ticket.human_id in p["text"] and "annulleret" in p["text"] for p in told)


def test_a_requester_who_wrote_english_is_told_in_english(world):
    doctor = world.person("visiting.doctor@rm.example.org")
    doctor.say("we need a leaflet about quitting smoking for our outpatients")
    choose_area_if_asked(doctor)
    doctor.press("Send")
    [ticket] = world.desk.tickets()
    world.deliver()
    adviser = next(iter(world.engine.knowledge.org(RM).directory.function("patients").members))
    world.person(adviser).say(f"luk sag {ticket.human_id}")
    [notice] = [p for r, p in world.deliver() if r == doctor.user]
    assert notice["language"] == "en" and ticket.human_id in notice["text"]
    assert "resolved" in notice["text"]


@pytest.mark.parametrize(
    ("org", "typed", "said"),
    [
        (RM, "Mind mig om en uge", "Det er noteret – jeg minder dig om det igen"),
        (RJH, "påminn mig om en vecka", "Noterat – jag påminner dig igen"),
        (HDIR, "minn meg på om en uke", "Notert – jeg minner deg på det igjen"),
        (HDIR, "meld meg av påminnelsene", "Du får ikke flere påminnelser"),
        (RM, "afmeld påmindelser", "Du får ikke flere påmindelser"),
        (RJH, "avsluta påminnelser", "Du får inga fler påminnelser"),
    ],
)
def test_a_typed_button_label_works_like_the_button(knowledge, world, org, typed, said):
    leader = knowledge.org(org).directory.leaders[0]
    [reply] = world.person(leader.email, org).say(typed)
    assert reply.text.startswith(said)


def test_an_adviser_closes_a_ticket_by_typing(world):
    _, ticket, adviser, _ = leaflet(world)
    world.person(adviser).say(f"luk sag {ticket.human_id.lower()}")
    assert world.desk.tickets()[0].state == "resolved"


def test_the_day_after_the_meeting_is_never_before_it(knowledge):
    for org in knowledge.orgs.values():
        for year in (2026, 2027):
            for o in calendar.occurrences(org, year):
                if o.step.offset_days > 0:
                    assert o.day > o.meeting, (org.id, o.leader.email, o.day, o.meeting)
                    assert is_working_day(o.day, org.org.country)


def test_kb_check_lists_a_meeting_on_ascension_day(knowledge):
    org = knowledge.org(RN)
    first, second = org.directory.leaders[:2]
    leaders = [
        first.model_copy(update={"dialogue_meeting": dt.date(2027, 5, 6)}),  # Kristi himmelfart
        second.model_copy(update={"dialogue_meeting": dt.date(2027, 5, 4)}),  # a Tuesday
    ]
    directory = org.directory.model_copy(update={"leaders": leaders})
    one_org = SimpleNamespace(orgs={RN: type(org)(org.org, org.entries, directory, org.plan)})
    assert meetings_on_closed_days(one_org) == [(RN, first.email, dt.date(2027, 5, 6))]


def test_dates_and_ordinals_do_not_end_sentences():
    for text in (
        "Mødet er den 12. marts kl. 10 i aulaen.",
        "Mötet är den 3. mars i aulan.",
        "Vi ses 1. maj på kontoret.",
    ):
        assert len(sentences(text)) == 1, text
    assert len(sentences("Vi var 12. Det var godt.")) == 2


@pytest.mark.parametrize(
    ("lang", "text", "found"),
    [
        ("da", "Sagen er blevet behandlet, og beslutningen blev truffet i går.", "blev truffet"),
        ("sv", "Beslutet meddelas senare. Ärendet avskrivs.", "avskrivs"),
        ("sv", "Ansökan har behandlats av nämnden.", "behandlats"),
        ("nb", "Saken er blitt behandlet og vedtaket ble sendt.", "ble sendt"),
    ],
)
def test_scandinavian_passives_are_flagged(engine, lang, text, found):
    assert found in engine.writing.check(text, lang).passive


def test_med_henvisning_til_is_a_reference_not_a_referral(engine):
    result = engine.writing.check("Med henvisning til Deres søknad av 3. mars vil vi svare.", "nb")
    terms = {j.term for j in result.jargon}
    assert "med henvisning til" in terms and "henvisning" not in terms


def test_one_sentence_is_singular(bot):
    reply = bot.main("tjek denne tekst: Vi holder møde på tirsdag i kantinen.")
    assert "1 sætning," in reply.text


@pytest.mark.parametrize(
    ("org", "question", "label"),
    [
        (RJH, "vem får uttala sig till pressen för sjukhusets räkning", "Gemensamt underlag"),
        (HDIR, "hvem kan uttale seg til pressen på vegne av sykehuset", "Felles grunnlag"),
    ],
)
def test_another_orgs_policy_is_cited_as_a_common_basis(engine, org, question, label):
    reply = ChatBot(engine, org).main(question)
    assert reply.kind == "answer" and "Region Midtjylland" in reply.source
    assert reply.source.index(label) < reply.source.index("Region Midtjylland")


def test_the_danish_press_answer_does_not_quote_a_norwegian_strategy(bot):
    reply = bot.main("hvem må udtale sig til pressen på vegne af hospitalet")
    assert "Helsedirektoratet" not in reply.text


def test_escalations_always_name_who_was_told(world):
    leaflet(world)
    for _ in range(6):
        world.clock.advance(days=4)
        world.desk.escalate_due()
    [ticket] = world.desk.tickets()
    events = world.desk.events(ticket.id)
    escalations = [e for e in events if e.kind == "escalated"]
    assert escalations and all(e.detail for e in escalations)


@pytest.mark.parametrize("word", ["afslut", "quit", "avsluta", "avslutt", "exit"])
def test_console_quit_words_leave_without_asking(engine, word):
    typed = iter([word, "this line is never read"])
    console = Console(record=True, width=200)
    chat(engine, RM, "tester@rm.example.org", console, read=lambda _: next(typed))
    out = console.export_text()
    assert out.startswith("kombot · Region Midtjylland · du er tester@rm.example.org")
    assert "rådgiver" not in out  # nothing was answered


@pytest.mark.parametrize(
    ("org", "ask", "draft", "counted"),
    [
        (
            RM,
            "tjek min tekst",
            "Vi indkalder dig. Du skal møde fastende. Tag medicinlisten med.",
            "3 sætninger",
        ),
        (
            RJH,
            "kan du kolla en text",
            "Vi kallar dig. Du ska komma fastande. Ta med listan.",
            "3 meningar",
        ),
        (
            HDIR,
            "kan du sjekke en tekst",
            "Vi kaller deg inn. Du må møte fastende. Ta med listen.",
            "3 setninger",
        ),
        (
            RM,
            "can you check my text",
            "We invite you. Do not eat before. Bring your list.",
            "3 sentences",
        ),
    ],
)
def test_the_text_asked_for_may_come_as_the_next_message(world, org, ask, draft, counted):
    person = world.person(f"writer@{org}.example.org", org)
    [asked] = person.say(ask)
    assert asked.intent == "plain_language" and counted not in asked.text
    [checked] = person.say(draft)
    assert checked.intent == "plain_language" and counted in checked.text
    [after] = person.say(draft)  # only the message right after the request is a draft
    assert counted not in after.text


STATEMENTS = [
    (
        RM,
        "tjek denne tekst:",
        "Hospitalsenheden beklager dybt, at en patient døde efter en fejl i medicineringen på "
        "afdeling B4 i sidste uge. Vi har meldt hændelsen til Styrelsen for Patientsikkerhed og er "
        "i dialog med de pårørende. Ledelsen udtaler sig til pressen i morgen.",
        "3 sætninger",
        "DR ringer om dødsfaldet på B4",
    ),
    (
        RM,
        "can you check my text",
        "The hospital deeply regrets that a patient died after a medication error on ward B4 last "
        "week. We have reported the incident to the patient safety authority and are in touch "
        "with the family. Management will speak to the press tomorrow.",
        "3 sentences",
        "the BBC is calling about the death on ward 4",
    ),
]


@pytest.mark.parametrize(("org", "ask", "statement", "counted", "happening"), STATEMENTS)
def test_a_draft_statement_about_a_death_is_checked_not_raised_as_a_crisis(
    world, org, ask, statement, counted, happening
):
    """Communicators draft statements about incidents: asked for a text, a long message is
    that text, however much it reads like a crisis (it did, at p 0.98, and paged the press
    officer). The check says how to raise a crisis if it is happening now, and that works."""
    person = world.person(f"press@{org}.example.org", org)
    person.say(ask)
    [checked] = person.say(statement)
    assert checked.intent == "plain_language" and counted in checked.text
    assert world.desk.tickets() == []  # nobody was paged
    hint = world.engine.knowledge.message("check_sounds_acute", checked.language)
    assert hint in checked.text
    person.say(happening)
    [ticket] = world.desk.tickets()
    assert ticket.requester == person.user


def test_a_short_sure_crisis_still_interrupts_a_text_check(world):
    person = world.person("nurse@region-midtjylland.example.org", RM)
    person.say("tjek denne tekst:")
    replies = person.say("TV2 står i forhallen og spørger til dødsfaldet")
    assert any(r.intent == "crisis" for r in replies)
    assert len(world.desk.tickets()) == 1


def test_console_sends_a_pasted_text_of_several_lines_as_one_message(engine):
    draft = [f"Sætning nummer {n} i udkastet handler om indkaldelsen." for n in range(1, 13)]
    typed = iter(["tjek denne tekst:", '"""', *draft, '"""', "quit"])
    console = Console(record=True, width=200)
    chat(engine, RM, "tester@rm.example.org", console, read=lambda _: next(typed))
    shown = console.export_text()
    assert "12 sætninger" in shown  # the whole draft, checked once
    assert "rådgiver" not in shown  # no line was taken as a question of its own


@pytest.mark.parametrize(
    ("org", "word", "opening"),
    [(RM, "/help", "Jeg svarer"), (RJH, "/hjälp", "Jag svarar"), (HDIR, "/hjelp", "Jeg svarer")],
)
def test_console_help_is_in_the_orgs_language(engine, org, word, opening):
    typed = iter([word, "quit"])
    console = Console(record=True, width=200)
    chat(engine, org, "tester@example.org", console, read=lambda _: next(typed))
    shown = console.export_text()
    assert opening in shown and "I answer" not in shown


def test_a_personal_number_does_not_swallow_the_question(bot):
    replies = bot.say("min patient 070761-4285 vil gerne stå frem i avisen")
    assert replies[0].kind == "notice" and "CPR" in replies[0].text
    assert len(replies) == 2 and replies[1].kind != "notice"


def test_a_vague_message_gets_no_confident_answer(bot):
    assert bot.main("hvad med det der med nettet").kind != "answer"


def test_german_is_told_which_languages_the_bot_speaks(bot):
    for text in ("Darf ich mit der Presse über meine Arbeit sprechen?", "Können Sie mir helfen?"):
        [reply] = bot.say(text)
        assert reply.text.startswith("I understand Danish, Swedish, Norwegian and English.")


def test_a_notice_about_a_ticket_resolved_since_says_so_and_has_no_buttons(world):
    _, ticket, adviser, stale = leaflet(world)
    assert stale["choices"]  # the new-ticket notice, with Claim / Resolve / Reassign
    world.person(adviser).say(f"luk sag {ticket.human_id}")  # before the notice was read
    shown = world.desk.as_of_now("region-midtjylland", stale)
    assert shown["choices"] == [] and shown["text"].endswith("Nu: løst.")


def test_reports_show_one_org_readable_questions_and_titles(knowledge, world, db_url):
    rm, rn = world.person("a@rm.example.org"), world.person("b@rn.example.org", RN)
    rm.say("hvad er en god lix")
    rn.say("hvordan laver jeg en god pressemeddelelse om vores nye skanner")
    for noise in ("1", "2", "[A", "hvornår er der frokost i kantinen " * 150):
        rm.say(noise)
    env = {"KOMBOT_DATABASE_URL": db_url, "KOMBOT_ORG": RM}

    def report(*args: str) -> list[dict]:
        result = CliRunner().invoke(app, ["report", *args, "--csv"], env=env)
        assert result.exit_code == 0, result.output
        return list(csv.DictReader(io.StringIO(result.output)))

    assert sum(int(r["questions"]) for r in report("questions")) == 5  # RM only, noise too
    assert sum(int(r["questions"]) for r in report("questions", "--org", "all")) == 6
    [top] = report("top")
    assert top["title"] == knowledge.org(RM).entries[top["entry"]].title["da"]
    unanswered = report("unanswered")
    shown = " ".join(r["example"] + r["others"] for r in unanswered)
    assert "[A" not in shown and all(len(r["example"]) <= 201 for r in unanswered)
    assert not any(r["example"] in ("1", "2") for r in unanswered)


def test_tickets_list_fits_80_columns_with_whole_ids_and_local_times(world, db_url):
    leaflet(world)  # filed at 09:00 UTC: 10:00 in Denmark
    result = CliRunner().invoke(
        app, ["tickets", "list"], env={"KOMBOT_DATABASE_URL": db_url, "COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    assert "RM-2026-0001" in result.output and "11-24 10:00" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_goals_report_lists_every_leader_and_defaults_to_the_next_meetings_year(
    knowledge, world, db_url
):
    leader = knowledge.org(RM).directory.leaders[0]
    world.person(leader.email).say("tilføj mål: flere patienthistorier")
    env = {"KOMBOT_DATABASE_URL": db_url}
    year = str(leader.dialogue_meeting.year)
    result = CliRunner().invoke(
        app, ["goals", "report", "--org", RM, "--year", year, "--csv"], env=env
    )
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["leader"] for r in rows} == {le.email for le in knowledge.org(RM).directory.leaders}
    assert {r["leader"]: r["goals"] for r in rows}[leader.email] == "1"
    late = dt.date(2026, 12, 30)  # every 2026 meeting is over: the report is for 2027
    assert next_meeting_year([knowledge.org(RM)], late) == 2027


@pytest.mark.parametrize(("org", "month"), [(RM, "marts"), (RJH, "februari"), (HDIR, "februar")])
def test_nudges_write_dates_as_the_language_does(knowledge, world, org, month):
    leader = knowledge.org(org).directory.leaders[0]
    year = leader.dialogue_meeting.year
    [o] = [
        o
        for o in calendar.occurrences(knowledge.org(org), year)
        if o.leader.email == leader.email and o.step.id == "prepare_goals"
    ]
    world.clock.current = o.due_at + dt.timedelta(minutes=1)
    world.engine.reminders.run_due()
    [nudge] = [p for r, p in world.deliver() if r == leader.email]
    assert f"{o.meeting.day}" in nudge["text"] and month in nudge["text"]
    assert o.meeting.isoformat() not in nudge["text"]


def test_a_question_nobody_answered_goes_to_the_function_its_words_name(world):
    nurse = world.person("sygeplejerske@rm.example.org")
    [reply] = nurse.say("hvordan får vi pressen interesseret i vores jubilæum")
    # unanswered: a fallback offers an adviser, a did-you-mean "none of these", which does
    labels = [choice.label for choice in reply.choices]
    nurse.press("Spørg en rådgiver" if "Spørg en rådgiver" in labels else "Ingen af dem")
    choose_area_if_asked(nurse)
    assert "Jeg sender din henvendelse til Presse og medier" in nurse.text


@pytest.mark.parametrize(
    ("org", "question"),
    [
        (RM, "How do I write plainly?"),
        (RM, "hvordan skriver jeg klart og enkelt?"),
        (RJH, "hur skriver jag klarspråk?"),
        (HDIR, "hvordan skriver jeg klart språk?"),
    ],
)
def test_how_to_write_plainly_is_advice_not_the_law(engine, org, question):
    reply = ChatBot(engine, org).main(question)
    assert reply.entry == "language.translate_jargon" and not reply.text.startswith("Ja.")
