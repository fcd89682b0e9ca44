"""The shape a signed Slack request must have before slack-bolt looks at it.

Bolt indexes into what Slack sends (`body["actions"][0]`, `body["event"]["type"]`, a user
that is a dict…) and answers 500 when something is missing or of another type. Slack
never sends such requests, but a signed one that does is refused here with 400.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

Text = str | None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Id(_Open):
    id: str


class _Event(_Open):
    type: str
    user: Text = None
    channel: Text = None
    channel_type: Text = None
    text: Text = None
    ts: Text = None
    thread_ts: Text = None
    event_ts: Text = None
    client_msg_id: Text = None
    subtype: Text = None
    bot_id: Text = None
    tab: Text = None


class EventEnvelope(_Open):
    type: str
    team_id: Text = None
    event_id: Text = None
    api_app_id: Text = None
    event: _Event


class _Action(_Open):
    action_id: str
    value: Text = None
    action_ts: Text = None


class BlockActions(_Open):
    type: str
    user: _Id
    team: _Id | None = None
    channel: _Id | None = None
    trigger_id: Text = None
    response_url: Text = None
    actions: list[_Action]


class _Other(_Open):
    """Anything else (url_verification, ssl_check, a command): bolt reads `type`,
    `team` and `user` only through guarded lookups, except these."""

    type: Text = None
    team: _Id | None = None
    user: _Id | str | None = None
    channel: _Id | str | None = None


def well_formed(body: object) -> bool:
    if not isinstance(body, dict):
        return False
    kind = body.get("type")
    model: type[_Open] = _Other
    if kind == "event_callback" or "event" in body:
        model = EventEnvelope
    elif kind == "block_actions" or "actions" in body:
        model = BlockActions
    try:
        parsed = model.model_validate(body)
    except ValidationError:
        return False
    return not isinstance(parsed, BlockActions) or bool(parsed.actions)
