"""The guard runs before anything else: the user is warned, the number goes nowhere."""

from __future__ import annotations

import logging

from bot.evaluation import main_reply


def test_cpr_number_is_warned_about_in_danish_and_redacted(bot):
    replies = bot.say("må jeg skrive 111111-1118 i en mail til en journalist?")
    warning = replies[0]
    assert warning.kind == "notice"
    assert "tavshedspligt" in warning.text
    assert "[CPR-nummer]" in warning.text
    assert all("111111" not in r.text for r in replies)


def test_swedish_user_is_warned_in_swedish(bot):
    replies = bot.say(
        "patienten med personnummer 121212-1212 vill prata med media",
        org="region-jamtland-harjedalen",
    )
    assert replies[0].kind == "notice"
    assert "sekretess" in replies[0].text
    assert "[personnummer]" in replies[0].text


def test_the_question_is_still_answered_after_redaction(bot):
    replies = bot.say("en journalist ringede lige om 111111-1118, hvad gør jeg")
    assert main_reply(replies).entry == "press.journalist_called"


def test_the_number_is_never_logged(bot, caplog):
    with caplog.at_level(logging.DEBUG):
        bot.say("fnr 01819012365 - kan jeg sende det til pressen?", org="helsedirektoratet")
    assert all("01819012365" not in r.getMessage() for r in caplog.records)
