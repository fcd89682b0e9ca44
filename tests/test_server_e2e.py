"""The real server over HTTP on 127.0.0.1: signed Slack requests and Bot Framework
activities in, loopback stand-ins for the Slack Web API and the connector out."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from stand_ins import BotConnector, SlackApi

from bot.app import build_engine
from bot.config import Settings
from bot.web import ConfigurationError, Server

SECRET = "test-signing-secret"
RM = "region-midtjylland"


def run(scenario):
    return asyncio.run(scenario)


class Stack:
    """kombot serve, with its stand-ins, on ephemeral loopback ports."""

    def __init__(self, knowledge, db_url, **settings):
        self.knowledge = knowledge
        self.db_url = db_url
        self.extra = settings
        directory = knowledge.org(RM).directory
        self.slack_api = SlackApi({p.slack_id: p.email for p in directory.people if p.slack_id})
        self.connector = BotConnector()

    async def __aenter__(self):
        await self.slack_api.start(self.slack_api.app())
        await self.connector.start(self.connector.app())
        settings = Settings(
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=self.slack_api.url + "api/",
            database_url=self.db_url,
            teams_allow_no_auth=True,
            **self.extra,
        )
        self.server = Server(
            settings, build_engine(self.knowledge, settings), scheduler_interval=3600
        )
        self.runner = web.AppRunner(self.server.app())
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc):
        await self.http.close()
        await self.runner.cleanup()
        await self.slack_api.stop()
        await self.connector.stop()

    async def slack(
        self,
        body: str,
        content_type: str,
        age: int = 0,
        secret: str = SECRET,
        retry: int | None = None,
    ) -> aiohttp.ClientResponse:
        timestamp = str(int(time.time()) - age)
        headers = {
            "X-Slack-Request-Timestamp": timestamp,
            "Content-Type": content_type,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(
                timestamp=timestamp, body=body
            ),
        }
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
        async with self.http.post(
            f"{self.url}/slack/events", data=body.encode(), headers=headers
        ) as response:
            await response.read()
            return response

    async def dm(self, user: str, text: str, event_id: str, retry=None):
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "event_id": event_id,
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "channel": f"D-{user}",
                    "user": user,
                    "text": text,
                    "ts": f"{time.time():.6f}",
                    "client_msg_id": event_id,
                },
            }
        )
        return await self.slack(body, "application/json", retry=retry)

    async def click(self, user: str, value: str):
        payload = {
            "type": "block_actions",
            "team": {"id": "T0001"},
            "user": {"id": user},
            "channel": {"id": f"D-{user}"},
            "trigger_id": "1.2.3",
            "response_url": f"{self.slack_api.url}respond/{user}",
            "actions": [{"action_id": "kombot:0", "value": value, "type": "button"}],
        }
        body = "payload=" + urllib.parse.quote(json.dumps(payload))
        return await self.slack(body, "application/x-www-form-urlencoded")

    async def activity(self, body: dict, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.post(
            f"{self.url}/api/messages", json=body, headers=headers
        ) as response:
            await response.read()
            return response


def button(message: dict, label: str) -> str:
    for block in message.get("blocks") or json.loads(message.get("blocks", "[]")):
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element["value"]
    raise AssertionError(f"no button {label!r}")


def blocks_of(call: dict) -> dict:
    if isinstance(call.get("blocks"), str):
        call = {**call, "blocks": json.loads(call["blocks"])}
    return call


def slack_people(knowledge):
    directory = knowledge.org(RM).directory
    patients = directory.function("patients").members
    employee = next(
        p
        for p in directory.people
        if p.slack_id and p.area and p.email not in patients and not p.admin
    )
    adviser = next(p for p in directory.people if p.email in patients and p.slack_id)
    return employee, adviser


def test_question_in_a_slack_dm_is_answered_with_blocks(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            response = await stack.dm(
                employee.slack_id, "må jeg udtale mig til pressen om min afdeling", "Ev1"
            )
            assert response.status == 200
            [posted] = await stack.slack_api.wait_for("chat.postMessage")
            posted = blocks_of(posted)
            assert posted["channel"] == f"D-{employee.slack_id}"
            assert "God Kommunikation" in json.dumps(posted["blocks"], ensure_ascii=False)
            assert button(posted, "Hjælpsomt")

    run(scenario())


def test_forged_and_stale_signatures_are_refused(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            body = json.dumps({"type": "event_callback", "event_id": "Ev9", "event": {}})
            assert (await stack.slack(body, "application/json", secret="wrong")).status == 401
            assert (await stack.slack(body, "application/json", age=400)).status == 401
            assert stack.slack_api.called("chat.postMessage") == []

    run(scenario())


def test_the_same_event_three_times_gives_one_reply(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            for retry in (None, 1, 2):
                response = await stack.dm(
                    employee.slack_id,
                    "TV2 står i forhallen og spørger til dødsfaldet",
                    "Ev42",
                    retry=retry,
                )
                assert response.status == 200
            await stack.slack_api.wait_for("chat.postMessage")
            await asyncio.sleep(0.5)
            assert len(stack.slack_api.called("chat.postMessage")) == 1
            assert len(stack.server.engine.desk.tickets()) == 1

    run(scenario())


def test_ask_confirm_ticket_claim_and_the_requester_hears_back(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, adviser = slack_people(knowledge)
            await stack.dm(
                employee.slack_id, "vi skal lave en pjece om den nye ambulante klinik", "Ev7"
            )
            [preview] = await stack.slack_api.wait_for("chat.postMessage")
            assert (
                await stack.click(employee.slack_id, button(blocks_of(preview), "Send"))
            ).status == 200
            [filed] = await stack.slack_api.wait_for("response_url")
            assert "Sendt som RM-" in filed["text"]
            await stack.server.deliver_once()
            posts = await stack.slack_api.wait_for("chat.postMessage", 2)
            to_adviser = (
                next(blocks_of(p) for p in posts[1:] if p["channel"] == adviser.slack_id)
                if len(posts) > 2
                else blocks_of(posts[1])
            )
            assert "Ny henvendelse" in to_adviser["text"]
            await stack.click(adviser.slack_id, button(to_adviser, "Tag sagen"))
            claimed = await stack.slack_api.wait_for("response_url", 2)
            assert "Du har taget" in claimed[1]["text"]
            await stack.server.deliver_once()
            posts = stack.slack_api.called("chat.postMessage")
            assert any(
                p["channel"] == employee.slack_id and "har taget din henvendelse" in p["text"]
                for p in posts
            )

    run(scenario())


def test_slack_429_is_delivered_after_retry_after(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            stack.slack_api.rate_limit_next = 1
            await stack.dm(
                employee.slack_id, "må jeg udtale mig til pressen om min afdeling", "Ev5"
            )
            await stack.slack_api.wait_for("chat.postMessage", seconds=20)
            assert len(stack.slack_api.called("429")) == 1

    run(scenario())


def activity(text="", value=None, aad="aad-unknown", activity_id="act-1", service_url=""):
    return {
        "type": "message",
        "id": activity_id,
        "text": text,
        "value": value,
        "from": {"id": "29:user", "aadObjectId": aad},
        "recipient": {"id": "28:bot"},
        "conversation": {"id": "conv-1", "tenantId": "tenant-1"},
        "channelData": {"tenant": {"id": "tenant-1"}},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


def test_teams_question_answered_with_an_adaptive_card_and_submit_handled(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            first = activity(
                "<at>kombot</at> do I have to answer when a reporter calls me?",
                service_url=stack.connector.url,
            )
            assert (await stack.activity(first)).status in (200, 201)
            [reply] = await stack.connector.wait_for("POST")
            card = reply["attachments"][0]["content"]
            assert (
                reply["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
            )
            texts = " ".join(b.get("text", "") for b in card["body"])
            assert "No." in texts or "not obliged" in texts
            helpful = next(a for a in card["actions"] if a["title"] == "Helpful")
            submit = activity(
                value=helpful["data"], activity_id="act-2", service_url=stack.connector.url
            )
            await stack.activity(submit)
            replies = await stack.connector.wait_for("POST", 2)
            assert "Thank you for your feedback!" in json.dumps(replies[1])

    run(scenario())


def test_teams_redelivered_activity_is_answered_once(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            same = activity("hvem er min kontaktperson", service_url=stack.connector.url)
            for _ in range(3):
                await stack.activity(same)
            await stack.connector.wait_for("POST")
            await asyncio.sleep(0.3)
            assert len(stack.connector.called("POST")) == 1

    run(scenario())


def test_nudge_reaches_a_leader_proactively_in_teams(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            leader = knowledge.org(RM).directory.leaders[0]
            person = knowledge.org(RM).directory.person(leader.email)
            await stack.activity(
                activity("mine mål", aad=person.teams_id, service_url=stack.connector.url)
            )
            await stack.connector.wait_for("POST")
            engine = stack.server.engine
            from bot.storage.outbox import enqueue_many

            with engine.desk.sessions.begin() as session:
                enqueue_many(
                    session,
                    [
                        {
                            "key": "nudge:test",
                            "org": RM,
                            "recipient": leader.email,
                            "payload": {
                                "text": "Dit dialogmøde nærmer sig",
                                "choices": [],
                                "language": "da",
                            },
                        }
                    ],
                    engine.desk.clock.now(),
                )
            assert await stack.server.deliver_once() == 1
            posts = await stack.connector.wait_for("POST", 2)
            assert "Dit dialogmøde nærmer sig" in json.dumps(posts[1], ensure_ascii=False)

    run(scenario())


def test_teams_with_authentication_on_refuses_a_malformed_token(knowledge, db_url):
    async def scenario():
        async with Stack(
            knowledge,
            db_url,
            teams_app_id="00000000-0000-0000-0000-000000000001",
            teams_app_password="not-used",
        ) as stack:
            assert (await stack.activity(activity("hej"), token="not.a.jwt")).status == 401
            assert (await stack.activity(activity("hej"))).status == 401

    run(scenario())


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


def test_server_refuses_to_start_without_teams_authentication(knowledge):
    with pytest.raises(ConfigurationError, match="KOMBOT_TEAMS_ALLOW_NO_AUTH"):
        Server(Settings(database_url="sqlite://"), None)


def test_slash_command_and_app_home(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            body = urllib.parse.urlencode(
                {
                    "command": "/kom",
                    "text": "hvad er LIX",
                    "user_id": employee.slack_id,
                    "team_id": "T0001",
                    "channel_id": "C1",
                    "trigger_id": "9.9.9",
                    "response_url": f"{stack.slack_api.url}respond/cmd",
                }
            )
            assert (await stack.slack(body, "application/x-www-form-urlencoded")).status == 200
            [answer] = await stack.slack_api.wait_for("response_url")
            assert answer["response_type"] == "ephemeral"
            assert "LIX" in answer["text"]
            home = json.dumps(
                {
                    "type": "event_callback",
                    "team_id": "T0001",
                    "event_id": "EvH",
                    "event": {"type": "app_home_opened", "user": employee.slack_id, "tab": "home"},
                }
            )
            await stack.slack(home, "application/json")
            [published] = await stack.slack_api.wait_for("views.publish")
            view = (
                published["view"]
                if isinstance(published["view"], dict)
                else json.loads(published["view"])
            )
            assert view["type"] == "home"

    run(scenario())


def test_did_you_mean_then_a_choice_over_slack(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            await stack.dm(employee.slack_id, "presse", "EvD")
            [suggested] = await stack.slack_api.wait_for("chat.postMessage")
            suggested = blocks_of(suggested)
            assert "Mente du" in suggested["text"]
            labels = [
                e["text"]["text"]
                for b in suggested["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
            ]
            assert labels[-1] == "Ingen af dem" and 2 <= len(labels) <= 4
            await stack.click(employee.slack_id, button(suggested, labels[0]))
            [chosen] = await stack.slack_api.wait_for("response_url")
            assert labels[0] in json.dumps(chosen, ensure_ascii=False)

    run(scenario())


def test_markup_from_users_is_escaped_in_block_kit():
    from bot.channels.slack import blocks
    from bot.replies import Reply

    [section] = blocks([Reply("notice", "«<!channel> <@U123> <http://evil|klik>»", "da")])
    text = section["text"]["text"]
    assert "<!channel>" not in text and "<@U123>" not in text and "<http" not in text
    assert "&lt;!channel&gt;" in text


def test_app_home_shows_a_leaders_goals(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            directory = knowledge.org(RM).directory
            leader = next(
                directory.person(le.email)
                for le in directory.leaders
                if directory.person(le.email).slack_id
            )
            home = json.dumps(
                {
                    "type": "event_callback",
                    "team_id": "T0001",
                    "event_id": "EvL",
                    "event": {"type": "app_home_opened", "user": leader.slack_id},
                }
            )
            await stack.slack(home, "application/json")
            [published] = await stack.slack_api.wait_for("views.publish")
            view = (
                published["view"]
                if isinstance(published["view"], dict)
                else json.loads(published["view"])
            )
            assert "Kommunikationsmål for" in json.dumps(view, ensure_ascii=False)

    run(scenario())


def test_urgent_ticket_reaches_the_triage_channel_and_is_claimed_there(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            media = knowledge.org(RM).directory.function("media")
            await stack.dm(
                employee.slack_id,
                "TV2 står i forhallen og spørger til dødsfaldet på afdeling B",
                "EvT",
            )
            await stack.slack_api.wait_for("chat.postMessage")
            await stack.server.deliver_once()
            posts = await stack.slack_api.wait_for("chat.postMessage", 2)
            [card] = [blocks_of(p) for p in posts if p["channel"] == media.triage_channel["slack"]]
            assert card["text"].startswith("HASTER: Ny henvendelse")
            member = next(
                knowledge.org(RM).directory.person(m)
                for m in media.members
                if knowledge.org(RM).directory.person(m).slack_id
            )
            await stack.click(member.slack_id, button(card, "Tag sagen"))
            [claimed] = await stack.slack_api.wait_for("response_url")
            assert claimed["text"].startswith("Du har taget")

    run(scenario())


def test_teams_triage_channel_gets_tickets_once_the_bot_is_in_it(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            media = knowledge.org(RM).directory.function("media")
            channel = media.triage_channel["teams"]
            added = {
                **activity(service_url=stack.connector.url, activity_id="inst-1"),
                "type": "installationUpdate",
                "action": "add",
                "conversation": {
                    "id": channel,
                    "conversationType": "channel",
                    "tenantId": "tenant-1",
                },
            }
            assert (await stack.activity(added)).status in (200, 201)
            employee, _ = slack_people(knowledge)
            await stack.dm(
                employee.slack_id,
                "TV2 står i forhallen og spørger til dødsfaldet på afdeling B",
                "EvC",
            )
            await stack.slack_api.wait_for("chat.postMessage")
            await stack.server.deliver_once()
            posts = await stack.connector.wait_for("POST")
            assert "HASTER: Ny henvendelse" in json.dumps(posts[-1], ensure_ascii=False)

    run(scenario())


def test_a_triage_channel_nobody_can_reach_is_skipped_not_retried(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            await stack.dm(
                employee.slack_id,
                "TV2 står i forhallen og spørger til dødsfaldet på afdeling B",
                "EvS",
            )
            await stack.slack_api.wait_for("chat.postMessage")
            await stack.server.deliver_once()
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
