"""The server as a whole: health, metrics, configuration, delivery across channels."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from server_stack import Stack, run, slack_people

from bot.config import Settings
from bot.runtime.process import ConfigurationError
from bot.web import Server


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


def _platform_stacks_loaded(env: dict, intake: bool) -> list[str]:
    """Which of the Teams stacks a process that only acknowledges has in its memory."""
    code = (
        "import json, sys\n"
        "from bot.config import Settings\n"
        "from bot.runtime.process import served_engine\n"
        "from bot.web import Server\n"
        "settings = Settings()\n"
        "server = Server(settings, served_engine(settings, answering=False), 60, False)\n"
        f"assert (server.teams_intake is not None) == {intake} and server.teams is None\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(json.dumps(sorted(loaded & {'microsoft_agents', 'msal', 'jwt'})))"
    )
    env = {**os.environ, **env}
    env.pop("KOMBOT_TEAMS_ALLOW_NO_AUTH", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_a_slack_only_process_does_not_load_the_teams_sdk(tmp_path):
    """The Agents SDK, MSAL and the JWT stack are ~25 MB a Slack-only process never uses."""
    slack = {
        "KOMBOT_SLACK_BOT_TOKEN": "xoxb-test",
        "KOMBOT_SLACK_SIGNING_SECRET": "secret",
        "KOMBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'kombot.db'}",
    }
    assert _platform_stacks_loaded(slack, intake=False) == []


def test_a_process_that_only_acknowledges_teams_does_not_load_the_teams_sdk(tmp_path):
    """With `--workers N` the server takes Teams requests in (PyJWT checks the token) and the
    workers answer through the Agents SDK: its ~25 MB stay out of the acknowledging process."""
    teams = {
        "KOMBOT_TEAMS_APP_ID": "00000000-0000-0000-0000-0000000000b1",
        "KOMBOT_TEAMS_APP_PASSWORD": "unused",
        "KOMBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'kombot.db'}",
    }
    assert _platform_stacks_loaded(teams, intake=True) == ["jwt"]


def test_a_worker_loads_neither_slack_bolt_nor_the_web_front(tmp_path):
    """A worker answers and sends: slack_sdk, not bolt, and no dashboard or /metrics page.
    Each of those is megabytes in every worker process."""
    code = (
        "import json, sys\n"
        "from bot.config import Settings\n"
        "from bot.runtime.process import Runtime, served_engine\n"
        "settings = Settings()\n"
        "runtime = Runtime(settings, served_engine(settings), 60)\n"
        "assert runtime.slack is not None and runtime.answering is not None\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "watched = {'slack_bolt', 'slack_sdk', 'jinja2', 'prometheus_client'}\n"
        "print(json.dumps(sorted(loaded & watched)))\n"
        "print('bot.web' in sys.modules, 'bot.dashboard.web' in sys.modules)"
    )
    env = {
        **os.environ,
        "KOMBOT_SLACK_BOT_TOKEN": "xoxb-test",
        "KOMBOT_SLACK_SIGNING_SECRET": "secret",
        "KOMBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'kombot.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    libraries, web_front = done.stdout.splitlines()
    assert json.loads(libraries) == ["slack_sdk"]
    assert web_front == "False False"


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
