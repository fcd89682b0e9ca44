"""Slack end to end: signed requests to the real server, the Web API stand-in records
what the bot sent."""

from __future__ import annotations

import asyncio
import json
import urllib.parse

from server_stack import RM, Stack, blocks_of, button, run, slack_people
from sqlalchemy import func, select

from bot.replies import Incoming
from bot.storage.models import AnswerRecord, Turn
from bot.storage.outbox import enqueue_many


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


def test_malformed_or_unsigned_requests_get_401_not_500(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            url = f"{stack.url}/slack/events"
            for headers, body in [
                ({}, b'{"type":'),
                ({"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}, b"{}"),
                ({"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": ""}, b"\xff\xfe"),
            ]:
                async with stack.http.post(url, data=body, headers=headers) as response:
                    assert response.status == 401
            malformed = await stack.slack('{"type":', "application/json")  # signed, broken
            assert malformed.status == 400

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
            dm = f"D-{employee.slack_id}"
            await stack.slack_api.wait_for("chat.postMessage", where=lambda c: c["channel"] == dm)
            await asyncio.sleep(0.5)
            # one reply to the employee; the on-duty officer's alert may have gone out too
            replies = [c for c in stack.slack_api.called("chat.postMessage") if c["channel"] == dm]
            assert len(replies) == 1
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
            # pressing a button of that ephemeral answer replaces it (its buttons go)
            await stack.click(employee.slack_id, button(answer, "Hjælpsomt"), ephemeral=True)
            [_, pressed] = await stack.slack_api.wait_for("response_url", 2)
            assert pressed["replace_original"] is True
            assert "feedback" in pressed["text"].lower() or "tak" in pressed["text"].lower()
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


VAGUE = ["medier", "hvad med det der med nettet", "regler for kommunikation", "presse og nettet"]


def a_vague_message(engine) -> str:
    """A message today's model answers with a did-you-mean (which one moves with the
    knowledge, so the test asks instead of assuming)."""
    for text in VAGUE:
        reply = engine.handle(Incoming(text=text, org=RM))[-1]
        if reply.kind == "suggestions":
            return text
    raise AssertionError(f"none of {VAGUE} gets a did-you-mean any more: add a vaguer one")


def test_did_you_mean_then_a_choice_over_slack(knowledge, engine, db_url):
    vague = a_vague_message(engine)

    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            await stack.dm(employee.slack_id, vague, "EvD")
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
            with stack.server.engine.desk.sessions() as session:  # not a question asked
                assert session.scalar(select(func.count()).select_from(AnswerRecord)) == 0
                assert session.scalar(select(func.count()).select_from(Turn)) == 0

    run(scenario())


def test_urgent_ticket_reaches_the_triage_channel_and_is_claimed_there(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            media = knowledge.org(RM).directory.function("media")
            await stack.crisis_in_slack(employee.slack_id, "EvT")
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
            assert not claimed.get("replace_original")  # a channel's card: rewritten below

            # every card about the ticket now says who took it, and has no buttons left
            def in_triage(call: dict) -> bool:
                return blocks_of(call)["channel"] == media.triage_channel["slack"]

            updates = await stack.slack_api.wait_for("chat.update", where=in_triage)
            triage = next(blocks_of(u) for u in updates if in_triage(u))
            assert triage["ts"] == "1700000000.000100"  # the message posted before
            assert f"Nu: taget af {member.name}." in triage["text"]
            assert not [b for b in triage["blocks"] if b["type"] == "actions"]
            # pressing Claim on a card that has not been rewritten yet: the current state
            await stack.click(member.slack_id, button(card, "Tag sagen"))
            replies = await stack.slack_api.wait_for("response_url", 2)
            assert "taget" in replies[1]["text"]

    run(scenario())


def test_someone_the_directory_lists_without_a_slack_id_is_found_by_e_mail(knowledge, db_url):
    """users.lookupByEmail once per person; someone not in the workspace is not asked for
    again on the next notice."""
    newcomer, stranger = "ny.kollega@rm.example.org", "ikke.i.slack@rm.example.org"

    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            stack.slack_api.emails["UNEW"] = newcomer
            with stack.server.engine.desk.sessions.begin() as session:
                rows = [
                    {
                        "key": f"notice:{n}:{who}",
                        "org": RM,
                        "recipient": who,
                        "payload": {"text": f"Besked {n}", "choices": [], "language": "da"},
                    }
                    for n in (1, 2)
                    for who in (newcomer, stranger)
                ]
                enqueue_many(session, rows, stack.server.engine.desk.clock.now())
            assert await stack.server.deliver_once() == 2  # both to the newcomer
            posts = stack.slack_api.called("chat.postMessage")
            assert [p["channel"] for p in posts] == ["UNEW", "UNEW"]
            assert await stack.server.deliver_once() == 0  # the stranger: still no one
            asked = [c["email"] for c in stack.slack_api.called("users.lookupByEmail")]
            assert sorted(asked) == sorted([newcomer, stranger])

    run(scenario())
