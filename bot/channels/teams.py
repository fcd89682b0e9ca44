"""Microsoft Teams through botbuilder's CloudAdapter: activities into the inbox, stored
activities into `Incoming`, replies into Adaptive Cards sent as proactive messages.

The turn only validates, authenticates and commits the activity to the inbox (201); a
worker answers later through `continue_conversation`, so a reply is retried like any
outbox row and a slow connector never holds up the request.

The Python Bot Framework SDK is archived upstream; everything Teams-specific lives in this
module, so moving to the Microsoft 365 Agents SDK replaces this file only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from types import SimpleNamespace

import jwt
from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ConversationReference
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select

from bot.channels import actions
from bot.config import Settings
from bot.engine import Engine
from bot.replies import Incoming, Reply
from bot.runtime.answering import Accept, Prepared, Route
from bot.storage.models import ConversationRef, OutboxMessage
from bot.tickets.routing import TEAMS_CHANNEL

log = logging.getLogger("kombot.teams")
TIMEOUT = 10  # seconds, for each connector call


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL character")
    return value


class _Account(BaseModel):
    id: str = Field(min_length=1, max_length=512)
    _plain = field_validator("id")(_no_nul)


class _Conversation(_Account):
    pass


class ActivityShape(BaseModel):
    """What an activity must have before anything acts on it: malformed ones get 400."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    type: str = Field(min_length=1, max_length=64)
    id: str | None = Field(None, max_length=512)
    serviceUrl: str = Field("", max_length=2048)  # noqa: N815 - the wire name
    from_: _Account = Field(alias="from")
    conversation: _Conversation
    text: str | None = Field(None, max_length=100_000)
    _plain = field_validator("id", "type")(lambda v: v if v is None else _no_nul(v))


def validated(raw: bytes) -> dict | None:
    """The activity as a dict, or None when it is not one we can act on."""
    try:
        data = json.loads(raw)
        ActivityShape.model_validate(data)
    except (ValueError, RecursionError, ValidationError):
        return None
    return data


def card(replies: list[Reply]) -> dict:
    body: list[dict] = []
    buttons: list[dict] = []
    for reply in replies:
        if reply.title:
            body.append(
                {"type": "TextBlock", "text": reply.title, "weight": "Bolder", "wrap": True}
            )
        body.append({"type": "TextBlock", "text": reply.text, "wrap": True})
        if reply.source:
            body.append(
                {
                    "type": "TextBlock",
                    "text": reply.source,
                    "isSubtle": True,
                    "size": "Small",
                    "wrap": True,
                }
            )
        buttons += [
            {
                "type": "Action.Submit",
                "title": choice.label[:80],
                "data": {"kombot": actions.encode(choice.action)},
            }
            for choice in reply.choices
        ]
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": body,
        "actions": buttons,
    }


def _well_formed_bearer(header: str) -> bool:
    """A bearer token that at least parses as a JWT; botbuilder validates it fully.
    (Malformed ones are refused here, as 401, before any key is fetched.)"""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    return True


class KombotTeamsBot(ActivityHandler):
    """Inside the authenticated turn: keep the activity, answer later."""

    def __init__(self, channel: TeamsChannel):
        self.channel = channel

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self.channel.keep(turn_context.activity, "message")

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self.channel.keep(turn_context.activity, "installed")


class TeamsChannel:
    def __init__(self, settings: Settings, engine: Callable[[], Engine], accept: Accept):
        self.settings = settings
        self.engine = engine
        self.accept = accept
        self.app_id = settings.teams_app_id or ""
        config = SimpleNamespace(
            APP_ID=self.app_id,
            APP_PASSWORD=settings.teams_app_password or "",
            APP_TYPE=settings.teams_app_type,
            APP_TENANTID=settings.teams_app_tenant_id,
        )
        self.adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
        self.adapter.on_turn_error = self._on_error
        self.bot = KombotTeamsBot(self)

    async def handle(self, request: web.Request) -> web.Response:
        """aiohttp handler for POST /api/messages."""
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.Response(status=415, text="application/json expected")
        if self.app_id and not _well_formed_bearer(request.headers.get("Authorization", "")):
            return web.Response(status=401, text="unauthorized")
        if validated(await request.read()) is None:
            return web.Response(status=400, text="malformed activity")
        try:
            response = await self.adapter.process(request, self.bot)
        except (jwt.PyJWTError, PermissionError):  # a malformed or foreign token
            return web.Response(status=401, text="unauthorized")
        return response or web.Response(status=201)

    async def _on_error(self, turn_context: TurnContext, error: Exception) -> None:
        """The inbox could not take the activity: the turn fails (500) and the
        connector retries; nothing was acknowledged."""
        log.error("teams turn failed: %s", type(error).__name__, exc_info=error)
        raise error

    async def keep(self, activity: Activity, kind: str) -> None:
        key = f"teams:{kind}:{activity.id}"
        await self.accept(key, "teams", {"kind": kind, "activity": activity.serialize()})

    # --- from the inbox: to the engine ------------------------------------------------------
    def route(self, engine: Engine, payload: dict) -> Route:
        activity = Activity().deserialize(payload["activity"])
        return self._route(activity, self.who(engine, activity)[0])

    def _route(self, activity: Activity, org: str) -> Route:
        reference = TurnContext.get_conversation_reference(activity).serialize()
        return Route(
            org, {"platform": "teams", "reference": reference, "tenant": _tenant(activity)}
        )

    async def prepare(self, engine: Engine, payload: dict, key: str) -> Prepared:
        activity = Activity().deserialize(payload["activity"])
        org, user = self.who(engine, activity)
        route = self._route(activity, org)

        def remember(engine: Engine) -> None:
            self.remember(engine, activity, org, user)

        if payload["kind"] != "message":  # added to a chat or channel: remember it only
            return Prepared(route, user, [], remember)
        action = None
        if isinstance(activity.value, dict) and "kombot" in activity.value:
            action = actions.decode(activity.value["kombot"])
        elif activity.value is not None:  # a card submit we cannot read
            action = actions.UNREADABLE
        text = (TurnContext.remove_recipient_mention(activity) or "").strip()
        incoming = Incoming(
            text=text if action is None else "",
            org=org,
            user=user,
            channel="teams",
            action=action,
            message_id=activity.id,
        )
        return Prepared(route, user, [incoming], remember)

    def who(self, engine: Engine, activity: Activity) -> tuple[str, str]:
        org = self.settings.teams_tenants.get(_tenant(activity) or "", self.settings.org)
        aad = activity.from_property.aad_object_id or activity.from_property.id
        for person in engine.knowledge.org(org).directory.people:
            if person.teams_id and person.teams_id == aad:
                return org, person.email
        return org, f"teams:{aad}"

    def remember(self, engine: Engine, activity: Activity, org: str, user: str) -> None:
        """Keep where to reach this person proactively (refreshed on every message); in a
        team's channel, the channel too (a function's triage channel)."""
        if activity.conversation.conversation_type == "channel":
            channel_id = activity.conversation.id.split(";")[0]
            self._store(engine, activity, org, TEAMS_CHANNEL + channel_id)
        self._store(engine, activity, org, user)

    def _store(self, engine: Engine, activity: Activity, org: str, user: str) -> None:
        reference = TurnContext.get_conversation_reference(activity).serialize()
        tenant = _tenant(activity)
        now = engine.desk.clock.now()
        with engine.desk.sessions.begin() as session:
            row = session.scalar(
                select(ConversationRef).where(
                    ConversationRef.channel == "teams", ConversationRef.user == user
                )
            )
            if row is None:
                session.add(
                    ConversationRef(
                        channel="teams",
                        user=user,
                        org=org,
                        reference=reference,
                        tenant_id=tenant,
                        updated_at=now,
                    )
                )
            else:
                row.reference, row.tenant_id, row.org, row.updated_at = (
                    reference,
                    tenant,
                    org,
                    now,
                )

    # --- to Teams (the outbox) ---------------------------------------------------------------
    def reaches(self, engine: Engine, row: OutboxMessage) -> ConversationRef | None:
        with engine.desk.sessions() as session:
            return session.scalar(
                select(ConversationRef).where(
                    ConversationRef.channel == "teams", ConversationRef.user == row.recipient
                )
            )

    async def deliver(self, target: ConversationRef, replies: list[Reply]) -> None:
        await self.reply({"reference": target.reference, "tenant": target.tenant_id}, replies)

    async def reply(self, to: dict, replies: list[Reply]) -> None:
        reference = ConversationReference().deserialize(to["reference"])
        reference.conversation.tenant_id = to.get("tenant")

        async def send(turn_context: TurnContext) -> None:
            await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(card(replies)))
            )

        await self.adapter.continue_conversation(reference, send, bot_app_id=self.app_id)


def _tenant(activity: Activity) -> str | None:
    return (activity.channel_data or {}).get("tenant", {}).get("id") or (
        activity.conversation.additional_properties or {}
    ).get("tenantId")
