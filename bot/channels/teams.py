"""Microsoft Teams out, through the Microsoft 365 Agents SDK's CloudAdapter: a stored
activity (`bot.channels.teams_intake` took it in) into `Incoming`, replies into Adaptive
Cards sent as proactive messages with the adapter's `continue_conversation`, so a reply is
retried like any outbox row.
"""

from __future__ import annotations

from collections.abc import Callable

from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    CardFactory,
    ClaimsIdentity,
    MessageFactory,
    TurnContext,
)
from sqlalchemy import select

from bot.channels import actions
from bot.channels.teams_connection import TeamsAuth
from bot.channels.teams_intake import language, tenant, who
from bot.channels.teams_views import card
from bot.config import Settings
from bot.engine import Engine
from bot.replies import Action, Incoming, Reply
from bot.runtime.answering import Prepared, Route
from bot.storage.models import ConversationRef, OutboxMessage
from bot.tickets.routing import TEAMS_CHANNEL

ANONYMOUS_AUDIENCE = "https://api.botframework.com"  # no token is fetched for it


class TeamsChannel:
    def __init__(self, settings: Settings, engine: Callable[[], Engine]):
        self.settings = settings
        self.engine = engine
        auth = TeamsAuth.from_settings(settings)
        self.app_id = auth.app_id
        self.adapter = CloudAdapter(connection_manager=auth.connections())

    # --- from the inbox: to the engine ------------------------------------------------------
    def route(self, engine: Engine, payload: dict) -> Route:
        stored = payload["activity"]
        activity = Activity.model_validate(stored)
        return _route(activity, tenant(stored), who(self.settings, engine, stored)[0])

    async def prepare(self, engine: Engine, payload: dict, key: str) -> Prepared:
        stored = payload["activity"]
        activity = Activity.model_validate(stored)
        org, user = who(self.settings, engine, stored)
        tenant_id = tenant(stored)
        route = _route(activity, tenant_id, org)

        def remember(engine: Engine) -> None:
            self.remember(engine, activity, tenant_id, org, user)

        locale = language(stored.get("locale"))
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

    def remember(
        self, engine: Engine, activity: Activity, tenant_id: str | None, org: str, user: str
    ) -> None:
        """Keep where to reach this person proactively (refreshed on every message); in a
        team's channel, the channel too (a function's triage channel)."""
        if activity.conversation.conversation_type == "channel":
            channel_id = activity.conversation.id.split(";")[0]
            self._store(engine, activity, tenant_id, org, TEAMS_CHANNEL + channel_id)
        self._store(engine, activity, tenant_id, org, user)

    def _store(
        self, engine: Engine, activity: Activity, tenant: str | None, org: str, user: str
    ) -> None:
        reference = _reference(activity)
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
        if not self.app_id:  # no authentication: local testing only
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


def _route(activity: Activity, tenant_id: str | None, org: str) -> Route:
    reference = _reference(activity)
    return Route(org, {"platform": "teams", "reference": reference, "tenant": tenant_id})


def _reference(activity: Activity) -> dict:
    """Where to answer, in the wire format botbuilder stored too (tenant kept apart)."""
    reference = activity.get_conversation_reference()
    return reference.model_dump(by_alias=True, exclude_none=True, mode="json")
