"""Faults on the way out and odd input on the way in, against the real server: a Slack API
that fails, rate-limits or hangs, a Teams connector that hangs, a message that cannot be
answered, and requests no platform should send. Every reply is delivered once the
platform recovers; nothing acknowledged ends in silence; nothing answers 5xx."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from server_stack import RM, Stack, activity, run, slack_people
from sqlalchemy import select, text
from typer.testing import CliRunner

from bot.channels import actions
from bot.cli import app
from bot.replies import Action
from bot.storage.models import InboxMessage, OutboxMessage

QUESTION = "må jeg udtale mig til pressen om min afdeling"
FAST = {"retry_base_seconds": 0.05}


def answers_to(stack: Stack, channel: str) -> list[dict]:
    return [c for c in stack.slack_api.called("chat.postMessage") if c["channel"] == channel]


async def answered(stack: Stack, channel: str, count: int = 1, seconds: float = 30) -> list:
    for _ in range(int(seconds * 20)):
        if len(answers_to(stack, channel)) >= count:
            return answers_to(stack, channel)
        await asyncio.sleep(0.05)
    raise AssertionError(f"{channel} got {len(answers_to(stack, channel))} messages")


def test_slack_api_500_three_times_then_the_reply_arrives_once(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url, **FAST) as stack:
            employee, _ = slack_people(knowledge)
            stack.slack_api.fail_next = 3
            assert (await stack.dm(employee.slack_id, QUESTION, "Ev500")).status == 200
            [reply] = await stack.slack_api.wait_for("chat.postMessage", seconds=30)
            assert reply["channel"] == f"D-{employee.slack_id}"
            assert len(stack.slack_api.called("500")) == 3
            assert len(answers_to(stack, f"D-{employee.slack_id}")) == 1

    run(scenario())


def test_slack_api_429_again_and_again_then_the_reply_arrives(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url, **FAST) as stack:
            employee, _ = slack_people(knowledge)
            stack.slack_api.rate_limit_next = 6  # more than one call's own retries
            await stack.dm(employee.slack_id, QUESTION, "Ev429")
            await stack.slack_api.wait_for("chat.postMessage", seconds=40)
            assert len(stack.slack_api.called("429")) == 6

    run(scenario())


def test_a_hanging_slack_api_times_out_and_the_reply_is_sent_again(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url, send_timeout_seconds=1, **FAST) as stack:
            employee, _ = slack_people(knowledge)
            stack.slack_api.hang_next = 1
            await stack.dm(employee.slack_id, QUESTION, "EvHang")
            await stack.slack_api.wait_for("hang")
            [reply] = await stack.slack_api.wait_for("chat.postMessage", seconds=30)
            assert reply["channel"] == f"D-{employee.slack_id}"
            stack.slack_api.release.set()

    run(scenario())


def test_one_hanging_conversation_does_not_hold_up_another(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url, send_timeout_seconds=60) as stack:
            employee, adviser = slack_people(knowledge)
            stack.slack_api.hang_next = 1
            await stack.dm(employee.slack_id, QUESTION, "EvSlow")
            await stack.slack_api.wait_for("hang")
            await stack.dm(adviser.slack_id, QUESTION, "EvOther")
            [other] = await stack.slack_api.wait_for("chat.postMessage")
            assert other["channel"] == f"D-{adviser.slack_id}"  # while the first still hangs
            assert not stack.slack_api.release.is_set()
            stack.slack_api.release.set()
            await stack.slack_api.wait_for("chat.postMessage", 2)

    run(scenario())


def test_a_hanging_teams_connector_holds_up_neither_slack_nor_health(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url, send_timeout_seconds=60) as stack:
            hanging = activity(
                "hvem er min kontaktperson", service_url=stack.connector.url + "hang/"
            )
            assert (await stack.activity(hanging)).status == 202  # accepted; answered later
            await stack.connector.wait_for("hanging")
            employee, _ = slack_people(knowledge)
            await stack.dm(employee.slack_id, QUESTION, "EvBeside")
            await stack.slack_api.wait_for("chat.postMessage")
            async with stack.http.get(f"{stack.url}/healthz") as response:
                assert response.status == 200
                assert (await response.json())["database"] == "ok"
            assert not stack.connector.release.is_set()  # the Teams reply is still waiting
            stack.connector.release.set()

    run(scenario())


def test_a_message_that_always_fails_is_a_dead_letter_and_the_sender_is_told(
    knowledge, db_url, monkeypatch
):
    async def scenario():
        async with Stack(knowledge, db_url, **FAST) as stack:
            employee, _ = slack_people(knowledge)
            engine = stack.server.engine
            real = engine.handle

            def broken(incoming):
                if "boom" in incoming.text:
                    raise RuntimeError("a bug in a handler")
                return real(incoming)

            monkeypatch.setattr(engine, "handle", broken)
            await stack.dm(employee.slack_id, "boom 070761-4285", "EvDead")
            [told] = await answered(stack, f"D-{employee.slack_id}")
            assert "Noget gik galt" in told["text"] and "administrator" in told["text"]
            admins = knowledge.org(RM).directory.admins()
            with engine.desk.sessions() as session:
                told_admins = set(
                    session.scalars(
                        select(OutboxMessage.recipient).where(
                            OutboxMessage.key.like("failed:slack:EvDead:%")
                        )
                    )
                )
            assert told_admins == set(admins)
            async with stack.http.get(f"{stack.url}/metrics") as response:
                assert 'kombot_inbox_messages{state="dead"} 1.0' in await response.text()

            env = {"KOMBOT_DATABASE_URL": db_url}
            listed = CliRunner().invoke(app, ["inbox", "dead", "--json"], env=env)
            assert listed.exit_code == 0, listed.output
            [dead] = [json.loads(line) for line in listed.output.splitlines()]
            assert dead["attempts"] == 5 and "RuntimeError" in dead["error"]
            assert "070761-4285" not in listed.output  # shown redacted

            monkeypatch.setattr(engine, "handle", real)  # the bug is fixed
            retried = CliRunner().invoke(app, ["inbox", "retry", str(dead["id"])], env=env)
            assert "queued again: 1" in retried.output
            stack.server.loops.wake.set()
            await answered(stack, f"D-{employee.slack_id}", 2)

    run(scenario())


def test_one_failing_message_in_a_batch_holds_up_none_of_the_others(knowledge, db_url, monkeypatch):
    async def scenario():
        async with Stack(knowledge, db_url, **FAST) as stack:
            employee, _ = slack_people(knowledge)
            engine, inbox = stack.server.engine, stack.server.inbox
            real_handle, real_claim = engine.handle, inbox.claim

            def broken(incoming):
                if "boom" in incoming.text:
                    raise RuntimeError("a bug in a handler")
                return real_handle(incoming)

            monkeypatch.setattr(engine, "handle", broken)
            monkeypatch.setattr(inbox, "claim", lambda limit: [])  # hold them back...
            users = [f"U-BATCH{i}" for i in range(5)]
            for i, user in enumerate(users):
                text = "boom" if i == 2 else QUESTION
                assert (await stack.dm(user, text, f"EvBatch{i}")).status == 200
            taken = []

            def claim(limit):
                taken.append(real_claim(limit))
                return taken[-1]

            monkeypatch.setattr(inbox, "claim", claim)  # ...then take them in one go
            stack.server.loops.wake.set()
            for i, user in enumerate(users):
                [reply] = await answered(stack, f"D-{user}")
                assert ("Noget gik galt" in reply["text"]) == (i == 2)
            assert len([t for t in taken if t][0]) == 5  # they were one batch
            await asyncio.sleep(0.5)  # time for a duplicate to show, if one were sent
            assert all(len(answers_to(stack, f"D-{user}")) == 1 for user in users)

    run(scenario())


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'"a string"',
        b"null",
        b'{"type": "message", "from": "29:user", "conversation": {"id": "c"}}',
        b'{"type": "message", "conversation": {"id": "c"}}',
        b'{"type": "message", "from": {"id": "29:user"}}',
        b'{"type": "message", "id": "a\\u0000b", "from": {"id": "u"}, "conversation": {"id": "c"}}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"type": ',
    ],
    ids=[
        "array",
        "string",
        "null",
        "from-string",
        "no-from",
        "no-conversation",
        "nul",
        "deep",
        "broken",
    ],
)
def test_malformed_teams_activities_get_400(knowledge, db_url, body):
    async def scenario():
        async with (
            Stack(knowledge, db_url) as stack,
            stack.http.post(
                f"{stack.url}/api/messages",
                data=body,
                headers={"Content-Type": "application/json"},
            ) as response,
        ):
            assert response.status == 400
            assert "Traceback" not in await response.text()

    run(scenario())


def test_buttons_that_do_not_parse_get_a_polite_reply(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            for value in (
                json.dumps({"n": "area", "v": "no-colons-here", "l": "da"}),  # an old button
                actions.encode(Action("entry", {"entry": "press.journalist_called"}, "xx")),
                "not json at all",
                json.dumps([1, 2]),
            ):
                assert (await stack.click(employee.slack_id, value)).status == 200
            replies = await stack.slack_api.wait_for("response_url", 4)
            unreadable = [r for r in replies if "Den knap kunne jeg ikke læse" in r["text"]]
            assert len(unreadable) == 3  # an old multi-part button, and two that are not ours
            assert any("journalist" in r["text"].lower() for r in replies)  # "xx": Danish

    run(scenario())


def test_a_lone_surrogate_is_answered_and_a_nul_id_refused(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            body = json.dumps(
                {
                    "type": "event_callback",
                    "team_id": "T0001",
                    "event_id": "EvSur",
                    "event": {
                        "type": "message",
                        "channel_type": "im",
                        "channel": f"D-{employee.slack_id}",
                        "user": employee.slack_id,
                        "text": QUESTION + " \ud800",
                        "ts": "1.0",
                        "client_msg_id": "sur\u0000rogate",
                    },
                }
            )
            assert (await stack.slack(body, "application/json")).status == 200
            [reply] = await stack.slack_api.wait_for("chat.postMessage")
            assert "God Kommunikation" in json.dumps(reply, ensure_ascii=False)
            nul = activity("hej", activity_id="act\u0000x", service_url=stack.connector.url)
            assert (await stack.activity(nul)).status == 400

    run(scenario())


NUMBERS = ["070761-4285", "070761–4285", "07.07.61-4285", "CPR-070761-4285", "0707614285"]


def test_personal_numbers_reach_no_table_from_slack_or_teams(knowledge, db_url):
    async def scenario():
        async with Stack(knowledge, db_url) as stack:
            employee, _ = slack_people(knowledge)
            for i, number in enumerate(NUMBERS):
                await stack.dm(
                    employee.slack_id, f"min patient {number} vil gerne stå frem i avisen", f"P{i}"
                )
                await stack.activity(
                    activity(
                        f"patient {number} vil i avisen",
                        activity_id=f"tp{i}",
                        service_url=stack.connector.url,
                    )
                )
            await stack.slack_api.wait_for("chat.postMessage", len(NUMBERS))
            await stack.connector.wait_for("POST", len(NUMBERS))
            await stack.server.deliver_once()
            engine = stack.server.engine
            with engine.desk.sessions() as session:
                tables = [
                    t
                    for t in session.execute(text("SELECT * FROM inbox")).all()
                    + session.execute(text("SELECT * FROM answers")).all()
                    + session.execute(text("SELECT * FROM turns")).all()
                    + session.execute(text("SELECT * FROM tickets")).all()
                    + session.execute(text("SELECT * FROM outbox")).all()
                ]
                pending = session.scalar(
                    select(InboxMessage.id).where(InboxMessage.status != "done")
                )
            assert pending is None
            dump = json.dumps([list(map(str, row)) for row in tables], ensure_ascii=False)
            for number in NUMBERS:
                assert number not in dump
            leaks = [m.start() for m in re.finditer(r"07\D{0,4}07\D{0,4}61\D{0,4}4285", dump)]
            assert not leaks, [dump[max(0, i - 150) : i + 30] for i in leaks]

    run(scenario())
