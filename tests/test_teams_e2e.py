"""Teams end to end: Bot Framework activities to the real server, the connector stand-in
records replies and proactive messages."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from server_stack import RM, Stack, activity, run, slack_people
from sqlalchemy import func, select

from bot.storage.models import ConversationRef, Ticket
from bot.storage.outbox import enqueue_many
from bot.tickets.routing import TEAMS_CHANNEL

FIXTURES = Path(__file__).parent / "fixtures"


def press(button: dict, activity_id: str, service_url: str, **fields) -> dict:
    """The invoke Teams sends when someone presses an Action.Execute button."""
    return {
        **activity(activity_id=activity_id, service_url=service_url, **fields),
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {
            "action": {"type": "Action.Execute", "verb": button["verb"], "data": button["data"]},
            "trigger": "manual",
        },
    }


def test_teams_question_answered_with_an_adaptive_card_and_a_button_press_handled(
    knowledge, db_url
):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            first = activity(
                "<at>kombot</at> do I have to answer when a reporter calls me?",
                service_url=stack.connector.url,
            )
            assert (await stack.activity(first)).status == 202  # accepted; answered later
            [reply] = await stack.connector.wait_for("POST")
            card = reply["attachments"][0]["content"]
            assert (
                reply["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
            )
            texts = " ".join(b.get("text", "") for b in card["body"])
            assert "No." in texts or "not obliged" in texts
            helpful = next(a for a in card["actions"] if a["title"] == "Helpful")
            assert helpful["type"] == "Action.Execute"
            response = await stack.activity(press(helpful, "act-2", stack.connector.url))
            assert response.status == 200  # Teams waits for the invoke's answer
            assert (await response.json())["type"] == "application/vnd.microsoft.activity.message"
            replies = await stack.connector.wait_for("POST", 2)
            assert "Thank you for your feedback!" in json.dumps(replies[1])
            # a card sent before the move to Universal Actions still submits as a message
            old = activity(
                value=helpful["data"], activity_id="act-3", service_url=stack.connector.url
            )
            await stack.activity(old)
            replies = await stack.connector.wait_for("POST", 3)
            assert "feedback" in json.dumps(replies[2])

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


def nudge(stack: Stack, recipient: str, text: str) -> None:
    engine = stack.server.engine
    with engine.desk.sessions.begin() as session:
        enqueue_many(
            session,
            [
                {
                    "key": f"nudge:test:{recipient}",
                    "org": RM,
                    "recipient": recipient,
                    "payload": {"text": text, "choices": [], "language": "da"},
                }
            ],
            engine.desk.clock.now(),
        )


def test_nudge_reaches_a_leader_proactively_in_teams(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            leader = knowledge.org(RM).directory.leaders[0]
            person = knowledge.org(RM).directory.person(leader.email)
            await stack.activity(
                activity("mine mål", aad=person.teams_id, service_url=stack.connector.url)
            )
            await stack.connector.wait_for("POST")
            nudge(stack, leader.email, "Dit dialogmøde nærmer sig")
            assert await stack.server.deliver_once() == 1
            posts = await stack.connector.wait_for("POST", 2)
            assert "Dit dialogmøde nærmer sig" in json.dumps(posts[1], ensure_ascii=False)

    run(scenario())


def test_references_stored_by_botbuilder_still_reach_people_and_channels(knowledge, db_url):
    """Conversation references kept before the move to the Agents SDK load unchanged."""
    stored = json.loads((FIXTURES / "botbuilder_references.json").read_text())
    leader = knowledge.org(RM).directory.leaders[0].email

    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            engine = stack.server.engine
            with engine.desk.sessions.begin() as session:
                for user, shape in ((leader, "personal"), (TEAMS_CHANNEL + "19:old", "channel")):
                    reference = {**stored[shape], "serviceUrl": stack.connector.url}
                    session.add(
                        ConversationRef(
                            channel="teams",
                            user=user,
                            org=RM,
                            reference=reference,
                            tenant_id="tenant-1",
                            updated_at=engine.desk.clock.now(),
                        )
                    )
            nudge(stack, leader, "Dit dialogmøde nærmer sig")
            nudge(stack, TEAMS_CHANNEL + "19:old", "HASTER: Ny henvendelse")
            assert await stack.server.deliver_once() == 2
            posts = await stack.connector.wait_for("POST", 2)
            by_conversation = {
                p["conversation"]["id"]: json.dumps(p, ensure_ascii=False) for p in posts
            }
            assert "Dit dialogmøde" in by_conversation["a:1personal-conversation-id"]
            channel = "19:media-triage@thread.tacv2;messageid=1732912345678"
            assert "HASTER" in by_conversation[channel]

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
            assert (await stack.activity(added)).status == 202  # accepted; answered later
            employee, _ = slack_people(knowledge)
            await stack.crisis_in_slack(employee.slack_id, "EvC")
            posts = await stack.connector.wait_for("POST")
            assert "HASTER: Ny henvendelse" in json.dumps(posts[-1], ensure_ascii=False)

            # an adviser claims it from the channel: the card changes for everyone
            card = posts[-1]["attachments"][0]["content"]
            claim = next(a for a in card["actions"] if a["title"] == "Tag sagen")
            member = next(
                knowledge.org(RM).directory.person(m)
                for m in media.members
                if knowledge.org(RM).directory.person(m).teams_id
            )
            in_channel = {"id": channel, "conversationType": "channel", "tenantId": "tenant-1"}
            as_member = {"id": f"29:{member.teams_id}", "aadObjectId": member.teams_id}
            pressed = press(claim, "press-1", stack.connector.url) | {
                "conversation": in_channel,
                "from": as_member,
            }
            assert (await stack.activity(pressed)).status == 200
            [rewritten] = await stack.connector.wait_for("PUT")
            content = rewritten["attachments"][0]["content"]
            text = json.dumps(content, ensure_ascii=False)
            assert f"Nu: taget af {member.name}." in text
            assert content["actions"] == []
            bodies = [body for _, body in stack.connector.calls]
            posted_as = f"activity-{bodies.index(posts[-1]) + 1}"  # the id the stand-in gave
            assert rewritten["id"] == posted_as  # the very message posted, rewritten

            # a view of its own: the assignee still sees what they may do, others do not
            refresh = content["refresh"]
            assert as_member["id"] in refresh["userIds"]
            looks = press(refresh["action"], "look-1", stack.connector.url) | {
                "conversation": in_channel,
                "from": as_member,
            }
            response = await stack.http.post(f"{stack.url}/api/messages", json=looks)
            seen = await response.json()
            assert seen["type"] == "application/vnd.microsoft.card.adaptive"
            titles = [a["title"] for a in seen["value"]["actions"]]
            assert titles and "Tag sagen" not in titles
            other = next(
                knowledge.org(RM).directory.person(m)
                for m in media.members
                if m != member.email and knowledge.org(RM).directory.person(m).teams_id
            )
            looks["from"] = {"id": f"29:{other.teams_id}", "aadObjectId": other.teams_id}
            response = await stack.http.post(f"{stack.url}/api/messages", json=looks)
            assert (await response.json())["value"]["actions"] == []
            assert len(await stack.connector.wait_for("PUT")) == 1  # a look changes nothing

    run(scenario())


def test_installing_the_app_welcomes_the_person_in_their_language_with_their_page(
    knowledge, db_url
):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            leader = knowledge.org(RM).directory.leaders[0]
            person = knowledge.org(RM).directory.person(leader.email)
            installed = {
                **activity(aad=person.teams_id, service_url=stack.connector.url),
                "type": "installationUpdate",
                "action": "add",
                "id": "install-1",
                "locale": "sv-SE",
                "conversation": {"id": "a:personal", "conversationType": "personal"},
            }
            assert (await stack.activity(installed)).status == 202
            [welcome] = await stack.connector.wait_for("POST")
            texts = json.dumps(welcome, ensure_ascii=False)
            assert "Jag svarar på frågor" in texts  # help, in the person's Teams language
            assert "Du har inga öppna ärenden" in texts  # their requests and queue
            assert str(leader.dialogue_meeting.year) in texts  # a leader's goals

            home = activity("hjem", aad=person.teams_id, service_url=stack.connector.url)
            await stack.activity({**home, "id": "home-1"})
            posts = await stack.connector.wait_for("POST", 2)
            assert "Du har ingen åbne henvendelser" in json.dumps(posts[1], ensure_ascii=False)

    run(scenario())


def test_forged_or_unreadable_card_actions_get_a_polite_reply_and_change_nothing(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            url = stack.connector.url
            forged_claim = {
                "verb": "kombot",
                "data": {"kombot": '{"n":"claim","a":{"ticket":"RM-2026-9999"},"l":"da"}'},
            }
            garbage = {"verb": "kombot", "data": {"kombot": "{not json"}}
            assert (await stack.activity(press(forged_claim, "f-1", url))).status == 200
            assert (await stack.activity(press(garbage, "f-2", url))).status == 200
            odd = press(garbage, "f-3", url) | {"value": ["not", "an", "object"]}
            assert (await stack.activity(odd)).status == 200
            replies = [
                json.dumps(r, ensure_ascii=False) for r in await stack.connector.wait_for("POST", 3)
            ]
            assert any("RM-2026-9999" in r for r in replies)  # no such ticket, said politely
            assert sum("knap" in r for r in replies) == 2  # a button it could not read
            with stack.server.engine.desk.sessions() as session:
                assert session.scalar(select(func.count()).select_from(Ticket)) == 0

    run(scenario())
