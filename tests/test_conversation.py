"""Conversations through the engine: answers, did-you-mean, fallback, buttons, languages."""

from __future__ import annotations

from conftest import ChatBot


def test_answers_a_danish_press_question_with_source_and_buttons(bot):
    reply = bot.main("må jeg udtale mig til pressen om min afdeling")
    assert reply.kind == "answer"
    assert reply.entry == "press.who_speaks_on_behalf"
    assert reply.language == "da"
    assert "God Kommunikation" in reply.source
    labels = [c.label for c in reply.choices]
    assert labels[:3] == ["Hjælpsomt", "Ikke hjælpsomt", "Spørg en rådgiver"]
    assert any(label.startswith("Se også: ") for label in labels)


def test_answers_in_the_language_of_the_question(bot):
    reply = bot.main("do I have to answer when a reporter calls me?")
    assert (reply.kind, reply.entry, reply.language) == (
        "answer",
        "press.no_obligation_to_speak",
        "en",
    )


def test_org_answer_comes_from_the_org_pack(bot):
    nord = bot.main("en journalist ringede lige, hvad gør jeg", org="region-nordjylland")
    midt = bot.main("en journalist ringede lige, hvad gør jeg", org="region-midtjylland")
    assert nord.entry == midt.entry == "press.journalist_called"
    assert "Politisk Sekretariat" in nord.text
    assert "Politisk Sekretariat" not in midt.text


def test_swedish_question_to_a_danish_org_entry_says_which_language_it_gets(bot):
    reply = bot.main("en journalist ringde mig precis, vad gör jag nu", org="region-nordjylland")
    assert reply.entry == "press.journalist_called"
    assert reply.language == "da"
    assert reply.text.startswith("Svaret finns inte på svenska, så du får det på danska.")


def test_same_words_are_danish_in_a_danish_org_and_norwegian_in_helsedirektoratet(bot):
    assert bot.main("hvem er min kontaktperson").language == "da"
    assert bot.main("hvem er min kontaktperson", org="helsedirektoratet").language == "nb"


def test_out_of_scope_question_falls_back_and_offers_an_adviser(bot):
    reply = bot.main("hvornår er der frokost i kantinen")
    assert reply.kind == "fallback"
    assert reply.text.startswith("Det ligger uden for, hvad jeg kan hjælpe med")
    assert [c.label for c in reply.choices] == ["Spørg en rådgiver"]


def test_related_button_opens_the_related_entry(bot):
    first = bot.main("må jeg udtale mig til pressen om min afdeling")
    related = next(c for c in first.choices if c.action.name == "entry")
    [reply] = bot.press(related.label)
    assert reply.kind == "answer"
    assert reply.entry == related.action.args["entry"]


def test_not_helpful_asks_for_a_reason_then_thanks(bot):
    bot.say("do I have to answer when a reporter calls me?")
    [ask] = bot.press("Not helpful")
    assert [c.label for c in ask.choices] == ["Not what I asked", "Not enough", "Wrong or outdated"]
    [thanks] = bot.press("Not enough")
    assert thanks.text == "Thank you for your feedback!"


def test_crisis_gives_the_first_steps_at_once(bot):
    reply = bot.main("TV2 står i forhallen og spørger til dødsfaldet på afdeling B")
    assert (reply.kind, reply.intent) == ("intent", "crisis")
    assert "notér navn, medie, emne og deadline" in reply.text
    assert any("presseberedskab" in c.label.lower() for c in reply.choices)


def test_plain_language_request_is_recognised(bot):
    reply = bot.main(
        "kan du tjekke denne tekst: Patienten skal fremmøde fastende med "
        "henblik på præoperativ vurdering."
    )
    assert (reply.kind, reply.intent) == ("intent", "plain_language")


def test_a_story_before_the_question_still_gets_its_answer(bot):
    reply = bot.main(
        "jeg er sygeplejerske på karkirurgisk afsnit og har været her i et halvt år. "
        "i går skrev jeg et længere opslag om arbejdspresset, men jeg slettede det igen. "
        "må jeg som ansat egentlig udtale mig offentligt om forholdene på mit arbejde?"
    )
    assert reply.entry == "speech.own_behalf"


def test_a_media_situation_with_no_question_is_a_crisis(bot):
    reply = bot.main(
        "stiftstidende har lige bragt en artikel om en fejlmedicinering på vores afsnit, "
        "og nu står der en fotograf ved hovedindgangen"
    )
    assert reply.intent == "crisis"


def test_an_instruction_before_a_pasted_text_starts_the_plain_language_check(bot):
    reply = bot.main(
        "gør lige den her mere forståelig for patienterne: Ved manglende fremmøde uden "
        "forudgående afbud vil De blive afmeldt forløbet, jf. gældende retningslinjer."
    )
    assert reply.intent == "plain_language"


def test_a_question_about_a_clinical_matter_is_out_of_scope_with_a_pointer(bot):
    reply = bot.main("hvor ofte skal en sengeliggende patient vendes for at undgå tryksår")
    assert reply.kind == "fallback"
    assert "uden for" in reply.text


ORGS = {  # one org per language
    "da": "region-midtjylland",
    "sv": "region-jamtland-harjedalen",
    "nb": "helsedirektoratet",
    "en": "region-nordjylland",
}
FIRST_TRIES = [  # what a new user types before a question: (org language, message, intent)
    ("da", "menu", "help"),
    ("sv", "meny", "help"),
    ("nb", "start", "help"),
    ("en", "menu", "help"),
    ("da", "hvem er du", "help"),
    ("sv", "vem är du?", "help"),
    ("en", "what is kombot", "help"),
    ("da", "ok", "greeting"),
    ("da", "nej", "greeting"),
    ("sv", "ja", "greeting"),
    ("nb", "test", "greeting"),
    ("en", "okay", "greeting"),
    ("da", "kan jeg tale med et menneske", "contact"),
    ("sv", "kan jag prata med en människa", "contact"),
    ("nb", "kan jeg snakke med et menneske", "contact"),
    ("en", "can i talk to a human", "contact"),
]


def test_a_new_users_first_tries_get_help_not_an_answer_or_an_alarm(bot):
    for lang, message, intent in FIRST_TRIES:
        reply = bot.main(message, org=ORGS[lang])
        assert (reply.kind, reply.intent) == ("intent", intent), message


def test_ok_right_after_an_answer_gets_a_nod_not_a_second_hello(engine):
    for lang, org in (("da", ORGS["da"]), ("sv", ORGS["sv"])):
        newcomer = ChatBot(engine, org, user=f"first-ok-{lang}@example.org")
        assert newcomer.main("ok").text.startswith(("Hej! Spørg mig", "Hej! Fråga mig"))
        asker = ChatBot(engine, org, user=f"ok-after-answer-{lang}@example.org")
        question = {"da": "hvad er et godt lix-tal", "sv": "vad är ett bra lix-värde"}[lang]
        assert asker.main(question).kind == "answer"
        nod = asker.main("ok!")
        assert (nod.kind, nod.intent, nod.language) == ("intent", "greeting", lang)
        assert nod.text.startswith("👍")
        assert asker.main("hej").text.startswith("Hej!")  # a greeting is still one


def test_a_letter_or_two_is_not_answered(bot):
    for lang, org in ORGS.items():
        for message in ("x", "a", "x y", "k."):
            reply = bot.main(message, org=org)
            assert reply.kind == "fallback", (lang, message, reply.entry)


def test_one_word_never_raises_a_crisis(bot):
    """Each of these words alone made the model page the press officer (the crisis class
    is its largest after out-of-scope, and "minu" shares "nu" with "lige nu")."""
    for lang, org in ORGS.items():
        for word in ("nu", "ringer", "tv2", "kamera", "akut", "viralt", "storm", "minu"):
            reply = bot.main(word, org=org)
            assert reply.intent != "crisis", (lang, word)


def test_a_word_several_languages_share_is_read_in_the_orgs_language(bot):
    """ "ja" alone was Swedish everywhere (Swedish examples use it most), so a Danish
    employee got a Swedish reply; "test" and "start", chat words of every language that
    the knowledge has in English only, got English ones. A word of one language ("help")
    keeps its language."""
    shared = [("da", "ja"), ("da", "nej"), ("da", "ok"), ("nb", "ja"), ("sv", "nej")]
    rare = [("da", "test"), ("da", "start"), ("sv", "start"), ("nb", "test")]
    for lang, word in shared + rare:
        assert bot.main(word, org=ORGS[lang]).language == lang, (lang, word)
    assert bot.main("help", org=ORGS["da"]).language == "en"
