"""The server as a whole: health, metrics, configuration, delivery across channels."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from server_stack import Stack, run, slack_people

from bot.config import Settings
from bot.web import ConfigurationError, Server


def test_health_and_metrics(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            async with stack.http.get(f"{stack.url}/healthz") as response:
                health = await response.json()
            assert response.status == 200
            assert (health["database"], health["knowledge"]) == ("ok", knowledge.version)
            async with stack.http.get(f"{stack.url}/metrics") as response:
                page = await response.text()
            assert "kombot_tickets_open" in page and "kombot_outbox_backlog" in page

    run(scenario())


def test_server_refuses_to_start_with_nothing_to_serve(knowledge):
    with pytest.raises(ConfigurationError, match="Nothing to serve.*KOMBOT_TEAMS_ALLOW_NO_AUTH"):
        Server(Settings(database_url="sqlite://"), None)


def test_a_slack_only_server_answers_slack_and_has_no_teams_endpoint(knowledge, db_url):
    """Without a Teams app id, Teams is off: no unauthenticated endpoint to open first."""

    async def scenario():
        async with Stack(knowledge, db_url, teams_allow_no_auth=False) as stack:
            activity = {"type": "message", "id": "a1", "text": "hej", "channelId": "msteams"}
            async with stack.http.post(f"{stack.url}/api/messages", json=activity) as response:
                assert response.status == 404
            employee, _ = slack_people(knowledge)
            await stack.dm(employee.slack_id, "må jeg udtale mig til pressen om min afdeling", "E1")
            [posted] = await stack.slack_api.wait_for("chat.postMessage")
            assert posted["channel"] == f"D-{employee.slack_id}"
            assert stack.connector.calls == []

    run(scenario())


def test_a_slack_only_process_does_not_load_the_teams_sdk(tmp_path):
    """The Agents SDK, MSAL and the JWT stack are ~25 MB a Slack-only process never uses."""
    code = (
        "import sys\n"
        "from bot.config import Settings\n"
        "from bot.web import Server, served_engine\n"
        "settings = Settings()\n"
        "server = Server(settings, served_engine(settings, answering=False), 60, False)\n"
        "assert server.teams is None and server.slack is not None\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'microsoft_agents', 'msal', 'jwt'}))"
    )
    env = {
        **os.environ,
        "KOMBOT_SLACK_BOT_TOKEN": "xoxb-test",
        "KOMBOT_SLACK_SIGNING_SECRET": "secret",
        "KOMBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'kombot.db'}",
    }
    env.pop("KOMBOT_TEAMS_ALLOW_NO_AUTH", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_triage_channel_nobody_can_reach_is_skipped_not_retried(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            await stack.crisis_in_slack(employee.slack_id, "EvS")
            from sqlalchemy import select

            from bot.storage.models import OutboxMessage

            with stack.server.engine.desk.sessions() as session:
                rows = {
                    r.recipient.split(":")[0]: r.status
                    for r in session.scalars(select(OutboxMessage))
                }
            assert rows["teams-channel"] == "skipped"  # the bot was never added there
            assert rows["slack-channel"] == "sent"

    run(scenario())
