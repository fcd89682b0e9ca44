"""The app manifests people install from: Teams' against Microsoft's official schema
(vendored, see tests/schemas/README.md), with its icons and its commands in four
languages; Slack's against Slack's official schema, with exactly the scopes the code
needs."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.replies import Incoming

ROOT = Path(__file__).resolve().parent.parent
TEAMS = ROOT / "manifests" / "teams"
SCHEMAS = Path(__file__).parent / "schemas" / "teams" / "v1.30"
SLACK_SCHEMA = Path(__file__).parent / "schemas" / "slack" / "manifest.schema.1.0.0.json"
ORG_OF = {
    "da": "region-midtjylland",
    "sv": "region-jamtland-harjedalen",
    "nb": "helsedirektoratet",
    "en": "region-midtjylland",
}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def validate(document: dict, schema_file: str) -> None:
    validator = jsonschema.Draft4Validator(load(SCHEMAS / schema_file))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, errors


def png_size(path: Path) -> tuple[int, int, int]:
    """Width, height and colour type, from the PNG header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height, _, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, colour_type


def test_the_teams_manifest_and_its_language_files_follow_the_official_schema():
    manifest = load(TEAMS / "manifest.json")
    validate(manifest, "MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == SCHEMAS.name.removeprefix("v")
    languages = manifest["localizationInfo"]["additionalLanguages"]
    for language in languages:
        validate(load(TEAMS / language["file"]), "MicrosoftTeams.Localization.schema.json")
    assert {language["languageTag"] for language in languages} == {"da", "sv", "nb"}


def test_the_teams_bot_may_join_teams_for_the_triage_channels():
    [bot] = load(TEAMS / "manifest.json")["bots"]
    assert {"personal", "team"} <= set(bot["scopes"])


def test_the_teams_icons_ship_in_the_sizes_teams_requires():
    icons = load(TEAMS / "manifest.json")["icons"]
    assert png_size(TEAMS / icons["color"])[:2] == (192, 192)
    width, height, colour_type = png_size(TEAMS / icons["outline"])
    assert (width, height) == (32, 32)
    assert colour_type in (4, 6), "the outline icon needs a transparent background"


def commands(lang: str) -> list[str]:
    """The personal command titles as Teams shows them in `lang`."""
    manifest = load(TEAMS / "manifest.json")
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    if lang == "en":
        return titles
    strings = load(TEAMS / f"{lang}.json")
    return [strings[f"bots[0].commandLists[0].commands[{i}].title"] for i in range(len(titles))]


@pytest.mark.parametrize("lang", ["da", "sv", "nb", "en"])
def test_every_teams_command_does_what_it_says_in_its_language(engine, lang):
    """help, home, my requests, my goals: each understood as that, in each language."""
    done = []
    for title in commands(lang):
        replies = engine.handle(
            Incoming(text=title, org=ORG_OF[lang], user="someone@example.org", locale=lang)
        )
        done.append([r.intent or r.kind for r in replies][:2])
    assert done == [["help"], ["tickets", "notice"], ["tickets"], ["goals"]], done
    assert all(r.language == lang for r in replies)


SLACK_SOURCES = sorted((ROOT / "bot" / "channels").glob("slack*.py"))  # every Slack module
# The bot token scopes each Web API method the code calls needs (api.slack.com/methods).
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "users_info": {"users:read", "users:read.email"},  # the code reads the profile's e-mail
    "users_lookupByEmail": {"users:read.email"},
    "views_publish": set(),
}
EVENT_SCOPES = {
    "message": {"im:history"},  # direct messages
    "app_mention": {"app_mentions:read"},
    "app_home_opened": set(),
}


def test_the_slack_manifest_asks_for_exactly_the_scopes_the_code_uses():
    manifest = yaml.safe_load((ROOT / "manifests" / "slack-app.yaml").read_text())
    source = "\n".join(path.read_text() for path in SLACK_SOURCES)
    called = set(re.findall(r"client\.(\w+)\(", source))
    assert called <= set(METHOD_SCOPES), f"scope unknown for {called - set(METHOD_SCOPES)}"
    events = set(re.findall(r'@app\.event\("(\w+)"\)', source))
    assert events == set(manifest["settings"]["event_subscriptions"]["bot_events"]) - {
        "message.im"
    } | {"message"}
    needed = set().union(*(METHOD_SCOPES[m] for m in called), *(EVENT_SCOPES[e] for e in events))
    needed |= {"commands"} if '@app.command("/kom")' in source else set()
    needed |= {"chat:write.public"}  # a public triage channel without an invitation
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/kom"


def test_the_slack_manifest_follows_slacks_official_schema():
    validator = jsonschema.Draft7Validator(load(SLACK_SCHEMA))
    manifest = yaml.safe_load((ROOT / "manifests" / "slack-app.yaml").read_text("utf-8"))
    assert [e.message for e in validator.iter_errors(manifest)] == []
    misspelt = {**manifest, "oauth_configs": manifest["oauth_config"]}  # the schema bites
    assert list(validator.iter_errors(misspelt))
