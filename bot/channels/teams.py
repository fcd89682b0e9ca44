"""Microsoft Teams through the Microsoft 365 Agents SDK's CloudAdapter: activities into the
inbox, stored activities into `Incoming`, replies into Adaptive Cards sent as proactive
messages.

The request is authenticated first (`teams_tokens`, before the body is read), then its
shape is checked, then the activity is committed to the inbox and acknowledged with 202,
as the SDK acknowledges. The SDK's turn pipeline is not run on the request: it would
fetch a connector token for a turn that sends nothing. A worker answers later through the
adapter's `continue_conversation`, so a reply is retried like any outbox row and a slow
connector never holds up the request.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from aiohttp import web
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    CardFactory,
    ClaimsIdentity,
    MessageFactory,
    TurnContext,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select

from bot.channels import actions, teams_views
from bot.channels.teams_connection import TeamsAuth
from bot.channels.teams_tokens import SigningKeys, TokenCheck
from bot.config import Settings
from bot.engine import Engine
from bot.languages import LANGS, Lang
from bot.replies import Action, Incoming, Reply
from bot.runtime.answering import Accept, Prepared, Route
from bot.storage.models import ConversationRef, OutboxMessage
from bot.tickets.routing import TEAMS_CHANNEL

log = logging.getLogger("kombot.teams")
ANONYMOUS_AUDIENCE = "https://api.botframework.com"  # no token is fetched for it


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


def validated(raw: bytes) -> Activity | None:
    """The activity, or None when it is not one we can act on."""
    try:
        data = json.loads(raw)
        ActivityShape.model_validate(data)
        return Activity.model_validate(data)
    except (ValueError, RecursionError, ValidationError):
        return None


CARD_ACTION = "adaptiveCard/action"  # the invoke a Universal Action (Action.Execute) sends


def kind_of(activity: Activity) -> str | None:
    """What the bot keeps: messages and button presses, and being added somewhere."""
    if activity.type == "message" or (activity.type == "invoke" and activity.name == CARD_ACTION):
        return "message"
    if activity.type == "installationUpdate" and activity.action == "add":
        return "installed"
    return None


def service_url_matches(identity: ClaimsIdentity, activity: Activity) -> bool:
    """A connector token names the service it came from; the activity must agree."""
    claimed = identity.get_claim_value("serviceurl")
    return not claimed or claimed.rstrip("/") == (activity.service_url or "").rstrip("/")


def card(replies: list[Reply], refresh: dict | None = None) -> dict:
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
            {  # a Universal Action: the press comes back as an invoke, answered at once
                "type": "Action.Execute",
                "verb": "kombot",
                "title": choice.label[:80],
                "data": {"kombot": actions.encode(choice.action)},
            }
            for choice in reply.choices
        ]
    adaptive = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": body,
        "actions": buttons,
    }
    if refresh is not None:  # a view of its own for each adviser who looks (teams_views)
        adaptive["refresh"] = refresh
    return adaptive


class TeamsChannel:
    def __init__(self, settings: Settings, engine: Callable[[], Engine], accept: Accept):
        self.settings = settings
        self.engine = engine
        self.accept = accept
        auth = TeamsAuth.from_settings(settings)
        self.app_id = auth.app_id
        self.keys = SigningKeys(auth.key_urls, timeout=settings.teams_keys_timeout_seconds)
        self.tokens = TokenCheck(auth.app_id, auth.issuers, self.keys) if auth.app_id else None
        self.adapter = CloudAdapter(connection_manager=auth.connections())  # the way out

    async def start(self) -> None:
        if self.tokens is not None:
            await self.keys.start()

    async def stop(self) -> None:
        await self.keys.stop()

    async def handle(self, request: web.Request) -> web.Response:
        """aiohttp handler for POST /api/messages."""
        if self.tokens is None:
            identity = ClaimsIdentity()  # anonymous: local testing only
        else:
            identity = self.tokens.claims(request.headers.get("Authorization", ""))
            if identity is None:
                return web.Response(status=401, text="unauthorized")
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.Response(status=415, text="application/json expected")
        activity = validated(await request.read())
        if activity is None:
            return web.Response(status=400, text="malformed activity")
        if not service_url_matches(identity, activity):
            return web.Response(status=401, text="unauthorized")
        if activity.type == "invoke" and (ticket := teams_views.asked(activity.value)):
            return web.json_response(await asyncio.to_thread(self._view, activity, ticket))
        kind = kind_of(activity)
        if kind is not None:  # if the inbox cannot take it: 500, and the connector retries
            await self.keep(activity, kind)
        if activity.type == "invoke":  # Teams waits for this; the answer follows as a message
            return web.json_response(self._received(activity))
        return web.Response(status=202)

    def _received(self, activity: Activity) -> dict:
        engine = self.engine()
        org = self._org(activity)
        lang = _language(activity.locale) or engine.knowledge.org(org).org.language
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": engine.knowledge.message("card_action_received", lang),
        }

    def _view(self, activity: Activity, ticket: str) -> dict:
        """A refresh asks for the card as this person sees it (nothing is changed)."""
        engine = self.engine()
        org, viewer = self.who(engine, activity)
        payload = teams_views.view(engine, org, ticket, viewer)
        if payload is None:
            return self._received(activity)
        refresh = teams_views.refresh_for(engine, org, payload)
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.card.adaptive",
            "value": card(actions.payload_replies(payload), refresh),
        }

    async def keep(self, activity: Activity, kind: str) -> None:
        key = f"teams:{kind}:{activity.id}"
        stored = activity.model_dump(by_alias=True, exclude_none=True, mode="json")
        await self.accept(key, "teams", {"kind": kind, "activity": stored})

    # --- from the inbox: to the engine ------------------------------------------------------
    def route(self, engine: Engine, payload: dict) -> Route:
        activity = Activity.model_validate(payload["activity"])
        return self._route(activity, self.who(engine, activity)[0])

    def _route(self, activity: Activity, org: str) -> Route:
        reference = _reference(activity)
        return Route(
            org, {"platform": "teams", "reference": reference, "tenant": _tenant(activity)}
        )

    async def prepare(self, engine: Engine, payload: dict, key: str) -> Prepared:
        activity = Activity.model_validate(payload["activity"])
        org, user = self.who(engine, activity)
        route = self._route(activity, org)

        def remember(engine: Engine) -> None:
            self.remember(engine, activity, org, user)

        locale = _language(activity.locale)
        if payload["kind"] != "message":  # added somewhere: remember it; welcome a person
            if activity.conversation.conversation_type not in (None, "personal"):
                return Prepared(route, user, [], remember)
            welcome = Incoming(
                text="",
                org=org,
                user=user,
                channel="teams",
                locale=locale,
                action=Action("welcome", {}, locale),
                message_id=activity.id,
            )
            return Prepared(route, user, [welcome], remember)
        action = None
        pressed = _pressed(activity)
        if isinstance(pressed, dict) and "kombot" in pressed:
            action = actions.decode(pressed["kombot"]) or actions.UNREADABLE
        elif pressed is not None:  # a card submit we cannot read
            action = actions.UNREADABLE
        text = (TurnContext.remove_recipient_mention(activity) or "").strip()
        incoming = Incoming(
            text=text if action is None else "",
            org=org,
            user=user,
            channel="teams",
            locale=locale,
            action=action,
            message_id=activity.id,
        )
        return Prepared(route, user, [incoming], remember)

    def _org(self, activity: Activity) -> str:
        return self.settings.teams_tenants.get(_tenant(activity) or "", self.settings.org)

    def who(self, engine: Engine, activity: Activity) -> tuple[str, str]:
        org = self._org(activity)
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
        reference = _reference(activity)
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

    async def deliver(
        self, target: ConversationRef, replies: list[Reply], refresh: dict | None = None
    ) -> dict:
        """Post proactively; where the message landed, to rewrite it later."""
        to = {"reference": target.reference, "tenant": target.tenant_id}
        return {**to, "activity_id": await self.reply(to, replies, refresh)}

    async def reply(
        self, to: dict, replies: list[Reply], refresh: dict | None = None
    ) -> str | None:
        """Post into the conversation `to` refers to; the new activity's id."""
        posted: list[str | None] = []

        async def send(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(card(replies, refresh)))
            )
            posted.append(response.id if response else None)

        await self._continue(to, send)
        return posted[0] if posted else None

    async def update(
        self, message: dict, replies: list[Reply], refresh: dict | None = None
    ) -> None:
        """Rewrite a card posted before, for everyone in the conversation."""

        async def rewrite(turn_context: TurnContext) -> None:
            activity = MessageFactory.attachment(CardFactory.adaptive_card(card(replies, refresh)))
            activity.id = message["activity_id"]
            await turn_context.update_activity(activity)

        await self._continue(message, rewrite)

    async def _continue(self, to: dict, callback) -> None:
        reference = ConversationReference.model_validate(to["reference"])
        reference.conversation.tenant_id = to.get("tenant")
        continuation = reference.get_continuation_activity()
        if self.tokens is None:
            await self.adapter.continue_conversation_with_claims(
                ClaimsIdentity(), continuation, callback, audience=ANONYMOUS_AUDIENCE
            )
        else:
            await self.adapter.continue_conversation(self.app_id, continuation, callback)


def _pressed(activity: Activity):
    """The data of the button pressed: an Action.Execute invoke carries it under
    value.action.data, an older Action.Submit card as the message's value."""
    if activity.type != "invoke":
        return activity.value
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action") if isinstance(value.get("action"), dict) else {}
    return action.get("data", value)


def _language(locale: str | None) -> Lang | None:
    """Teams' locale ("sv-SE", "nb-NO", "nn-NO") as one of the bot's languages."""
    code = (locale or "").split("-")[0].lower()
    code = "nb" if code in ("no", "nn") else code
    return code if code in LANGS else None


def _reference(activity: Activity) -> dict:
    """Where to answer, in the wire format botbuilder stored too (tenant kept apart)."""
    reference = activity.get_conversation_reference()
    return reference.model_dump(by_alias=True, exclude_none=True, mode="json")


def _tenant(activity: Activity) -> str | None:
    channel_data = activity.channel_data or {}
    if not isinstance(channel_data, dict):
        channel_data = channel_data.model_dump()  # the SDK's typed channel data
    return (channel_data.get("tenant") or {}).get("id") or activity.conversation.tenant_id
