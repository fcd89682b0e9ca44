"""Messages no one should type, and what the bot does with them: a short, clear reply."""

from __future__ import annotations

import logging

import pytest

SECRET_WORD = "fremmødefastendepræoperativ"


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x00", "🙂🙂🙂", "?!..."])
def test_nothing_to_answer_asks_for_a_question(bot, text):
    [reply] = bot.say(text)
    assert reply.kind == "fallback"
    assert reply.text.startswith("Skriv dit spørgsmål")


def test_very_long_message_gets_a_clear_limit(bot):
    [reply] = bot.say("må jeg tale med pressen " * 4_000)
    assert reply.kind == "fallback"
    assert "for lang (95999 tegn)" in reply.text
    assert "højst 4000 tegn" in reply.text


def test_control_characters_and_nul_are_removed_before_understanding(bot):
    reply = bot.main("må jeg\x00 udtale mig til\x07 pressen om min afdeling\u200b")
    assert reply.entry == "press.who_speaks_on_behalf"


def test_a_language_the_bot_does_not_speak_gets_told_which_it_does(bot):
    for text in (
        "¿Dónde puedo encontrar el horario de la cafetería del hospital?",
        "Wo kann ich bitte mit der Presse sprechen?",
    ):
        [reply] = bot.say(text)
        assert reply.kind == "fallback"
        assert reply.text.startswith("I understand Danish, Swedish, Norwegian and English.")


def test_markup_in_a_question_is_never_echoed(bot):
    for reply in bot.say("<script>alert(1)</script> <!channel> **hej** [x](http://evil)"):
        assert "<script>" not in reply.text
        assert "<!channel>" not in reply.text
        assert "evil" not in reply.text


def test_message_text_is_not_logged_at_info(bot, caplog):
    with caplog.at_level(logging.INFO):
        bot.say(f"må jeg udtale mig til pressen om {SECRET_WORD}")
    assert caplog.records, "the engine logs what it did"
    assert all(SECRET_WORD not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "text",
    [
        "Kann ich als Pflegekraft mit einer Zeitung über meine Station sprechen?",
        "Mag ik als verpleegkundige met een journalist over mijn afdeling praten?",
        "Hoe reset ik mijn wachtwoord voor het ziekenhuisnetwerk?",
    ],
)
def test_german_and_dutch_are_told_which_languages_the_bot_speaks(bot, text):
    [reply] = bot.say(text)
    assert reply.kind == "fallback"
    assert reply.language == "en"
    assert reply.text.startswith("I understand Danish, Swedish, Norwegian and English.")


def test_a_message_of_only_stop_words_is_not_answered(bot):
    reply = bot.main("og det er jo så at vi har den der med at")
    assert reply.kind in ("fallback", "suggestions")


def test_a_pasted_draft_of_20000_characters_is_checked_not_refused(bot):
    draft = "Patienten bedes fremmøde fastende med henblik på præoperativ vurdering. " * 280
    reply = bot.main("kan du tjekke denne tekst: " + draft[:19_900])
    assert reply.intent == "plain_language"
