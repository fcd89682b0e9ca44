"""The plain-language check: LIX by hand in each language, jargon, chat and CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.knowledge.yamlfile import KnowledgeError
from bot.writing.glossary import load_glossaries
from bot.writing.lix import lix, sentences

GLOSSARY = Path(__file__).resolve().parent.parent / "knowledge" / "glossary"


@pytest.mark.parametrize(
    ("lang", "text", "score", "band"),
    [
        # 8 words, 2 sentences, 2 long (Patienten, fastende): 8/2 + 100*2/8 = 29
        ("da", "Patienten skal møde fastende. Du må ikke spise.", 29.0, "easy"),
        # 8 words, 2 sentences, 2 long (undersökning, legitimation): 29 — under 30 in Swedish
        ("sv", "Vi kallar dig till undersökning. Ta med legitimation.", 29.0, "very_easy"),
        # 7 words, 1 sentence, 3 long: 7 + 100*3/7 = 49.857…
        ("nb", "Du må møte fastende til preoperativ vurdering.", 49.9, "medium"),
        # 11 words, 2 sentences, 2 long (operation, medication): 5.5 + 18.18… = 23.68…
        (
            "en",
            "Please do not eat before the operation. Bring your medication list.",
            23.7,
            "very_easy",
        ),
    ],
)
def test_lix_matches_the_hand_computed_value_and_the_language_band(lang, text, score, band):
    result = lix(text, lang)
    assert (result.score, result.band) == (score, band)


def test_same_score_different_band_danish_and_swedish_scales():
    text = "Patienten skal møde fastende. Du må ikke spise."  # 29
    assert lix(text, "da").band == "easy"  # 25–34 on the Danish scale
    assert lix(text, "sv").band == "very_easy"  # under 30 on lix.se


def test_abbreviations_do_not_end_sentences():
    found = sentences("Mød op kl. 8 og tag fx. din medicin med. Ring til os, dvs. afdelingen.")
    assert len(found) == 2


def test_glossaries_are_large_enough_and_valid():
    glossaries = load_glossaries(GLOSSARY)
    assert {lang: len(g.terms) >= 150 for lang, g in glossaries.items() if lang != "en"} == {
        "da": True,
        "sv": True,
        "nb": True,
    }
    assert len(glossaries["en"].terms) >= 30


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "language: da\nterms:\n  - {term: fremmøde, plain: komme, kind: bureaucratic}\n"
            "  - {term: Fremmøde, plain: møde op, kind: bureaucratic}\n",
            "glossary/da.yaml:4: 'Fremmøde' is listed twice (first at line 3)",
        ),
        (
            "language: da\nterms:\n  - {term: fremmøde, plain: komme, kind: slang}\n",
            "glossary/da.yaml:3: terms.0.kind: Input should be 'medical', 'bureaucratic', "
            "'latin' or 'abbreviation'",
        ),
        ("language: sv\nterms: []\n", "glossary/da.yaml:1: language must be 'da'"),
    ],
)
def test_broken_glossary_is_reported_with_file_and_line(tmp_path, content, message):
    folder = tmp_path / "glossary"
    shutil.copytree(GLOSSARY, folder)
    (folder / "da.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_glossaries(folder)
    assert [str(p) for p in caught.value.problems] == [message]


LETTER = (
    "Patienten bedes fremmøde fastende med henblik på præoperativ vurdering i "
    "ambulatoriet. I henhold til gældende retningslinjer skal medicin indtages, og "
    "eventuelle kontraindikationer skal meddeles afdelingen senest tre hverdage før "
    "undersøgelsen, idet undersøgelsen i modsat fald vil blive aflyst."
)


def test_chat_check_gives_lix_jargon_and_suggestions_in_the_texts_language(bot):
    reply = bot.main(f"kan du tjekke denne tekst: {LETTER}")
    assert (reply.kind, reply.intent, reply.language) == ("intent", "plain_language", "da")
    assert reply.text.startswith("LIX ")
    assert "efter dansk LIX-skala" in reply.text
    assert "præoperativ → før operationen" in reply.text
    assert "fremmøde → komme" in reply.text
    assert "Forslag:" in reply.text


def test_swedish_text_is_checked_on_the_swedish_scale(bot):
    reply = bot.main(
        "kolla den här texten: Patienten ombeds inställa sig fastande för "
        "preoperativ bedömning. Vederbörande ska medtaga legitimation.",
        org="region-jamtland-harjedalen",
    )
    assert reply.language == "sv"
    assert "enligt LIX-skalan från lix.se" in reply.text
    assert "Vederbörande →" in reply.text


def test_personal_number_in_a_draft_is_caught_before_the_check(bot):
    replies = bot.say(f"tjek denne tekst: Kære patient 111111-1118. {LETTER}")
    assert replies[0].kind == "notice"
    assert "[CPR-nummer]" in replies[0].text
    assert all("111111-1118" not in r.text for r in replies)


def test_drafts_up_to_20000_characters_are_checked_longer_ones_refused(bot):
    long_letter = (LETTER + " ") * 50  # about 13,000 characters: more than a question
    assert bot.main(f"tjek denne tekst: {long_letter}").text.startswith("LIX ")
    [reply] = bot.say(f"tjek denne tekst: {LETTER * 80}")
    assert "for lang" in reply.text


def test_check_command_json_carries_the_contract_fields(tmp_path):
    draft = tmp_path / "brev.txt"
    draft.write_text(LETTER, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(draft), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {
        "language",
        "lix",
        "band",
        "sentences",
        "words",
        "long_words",
        "jargon",
        "suggestions",
    } <= set(data)
    assert data["language"] == "da"
    terms = {j["term"]: j for j in data["jargon"]}
    assert terms["præoperativ"]["plain"] == "før operationen"
    assert LETTER[terms["præoperativ"]["position"] :].startswith("præoperativ")
    assert data["suggestions"][0]["kind"] in {"split_sentences", "shorter_words"}


def test_check_command_refuses_a_missing_file():
    result = CliRunner().invoke(app, ["check", "/nonexistent/brev.txt"])
    assert result.exit_code == 2
    assert "cannot read" in result.output


@pytest.mark.parametrize(
    ("lang", "draft", "flagged", "not_flagged"),
    [  # a word whose stem is a glossary term's stem is not that term unless it is a form of it
        (
            "nb",
            "Pasienten møter fastende og tar med medisinlisten samt henvisningen.",
            {"fastende"},
            {"samtlige"},
        ),
        (
            "nb",
            "Samtlige pasienter har fast time hos legen og får beskjed i god tid.",
            {"samtlige"},
            {"fastende"},
        ),
        (
            "da",
            "Patienten skal møde fastende og medbringe medicinlisten samt henvisningen.",
            {"fastende", "samt"},
            set(),
        ),
        (
            "sv",
            "Du har en fast tid hos läkaren och får en kallelse med posten i god tid.",
            {"kallelse"},
            {"fastande"},
        ),
    ],
)
def test_jargon_is_found_in_its_forms_and_not_in_words_that_only_share_a_stem(
    tmp_path, lang, draft, flagged, not_flagged
):
    result = CliRunner().invoke(app, ["check", "-", "--json", "--lang", lang], input=draft)
    assert result.exit_code == 0, result.output
    found = {j["term"] for j in json.loads(result.stdout)["jargon"]}
    assert flagged <= found and not (not_flagged & found), found
