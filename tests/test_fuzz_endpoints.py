"""Hypothesis throws what no platform sends at /api/messages and (signed) at /slack/events:
whatever it is, the answer is never a 5xx and never a traceback."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_stack import Stack, signed

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FORM = "application/x-www-form-urlencoded"
no_url = st.text(max_size=20).filter(lambda t: "://" not in t)  # nothing leaves 127.0.0.1


@pytest.fixture(scope="module")
def live(knowledge, tmp_path_factory):
    """One server for every example, on its own event loop in a thread."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    db = tmp_path_factory.mktemp("fuzz") / "kombot.db"
    stack = Stack(knowledge, f"sqlite:///{db}")
    asyncio.run_coroutine_threadsafe(stack.__aenter__(), loop).result(120)
    yield stack
    asyncio.run_coroutine_threadsafe(stack.__aexit__(None, None, None), loop).result(120)
    loop.call_soon_threadsafe(loop.stop)


def post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def activities(connector_url: str):
    return (
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["message", "installationUpdate", "typing"]) | st.text(),
                "id": json_values,
                "text": json_values,
                "value": json_values,
                "from": st.fixed_dictionaries({"id": json_values, "aadObjectId": json_values})
                | json_values,
                "conversation": st.fixed_dictionaries({"id": json_values}) | json_values,
                "channelData": json_values,
                "serviceUrl": st.just(connector_url) | no_url,
                "action": json_values,
            }
        )
        | json_values
    )


@SETTINGS
@given(data=st.data())
def test_teams_endpoint_never_answers_5xx(live, data):
    body = data.draw(
        activities(live.connector.url).map(lambda a: json.dumps(a).encode())
        | st.binary(max_size=200)
    )
    status, text = post(f"{live.url}/api/messages", body, {"Content-Type": "application/json"})
    assert status < 500 and "Traceback" not in text


def slack_events():
    event = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["message", "app_mention", "app_home_opened"]) | st.text(),
            "channel_type": st.sampled_from(["im", "channel"]) | json_values,
            "user": json_values,
            "text": json_values,
            "channel": json_values,
            "ts": json_values,
            "client_msg_id": json_values,
        }
    )
    envelope = st.fixed_dictionaries(
        {
            "type": st.just("event_callback") | st.text(),
            "team_id": json_values,
            "event_id": json_values,
            "event": event | json_values,
        }
    )
    return envelope.map(lambda e: (json.dumps(e), "application/json"))


def slack_interactions():
    action = st.fixed_dictionaries(
        {"action_id": st.just("kombot:0") | st.text(), "value": json_values | st.text()}
    )
    payload = st.fixed_dictionaries(
        {
            "type": st.just("block_actions") | st.text(),
            "user": st.fixed_dictionaries({"id": json_values}) | json_values,
            "team": json_values,
            "trigger_id": json_values,
            "response_url": no_url,
            "actions": st.lists(action, max_size=2) | json_values,
        }
    )
    return payload.map(
        lambda p: (
            "payload=" + urllib.parse.quote(json.dumps(p)),
            "application/x-www-form-urlencoded",
        )
    )


def slack_commands():
    fields = st.dictionaries(
        st.sampled_from(["command", "text", "user_id", "team_id", "trigger_id", "channel_id"]),
        st.text(max_size=30),
    )
    return fields.map(
        lambda f: (
            urllib.parse.urlencode({"command": "/kom", **f}),
            "application/x-www-form-urlencoded",
        )
    )


@SETTINGS
@given(request=slack_events() | slack_interactions() | slack_commands())
def test_slack_endpoint_never_answers_5xx_to_a_signed_request(live, request):
    body, content_type = request
    status, text = post(f"{live.url}/slack/events", body.encode(), signed(body, content_type))
    assert status < 500 and "Traceback" not in text
