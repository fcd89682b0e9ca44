"""Microsoft Teams in: authenticate the request, check the activity's shape, commit it to the
inbox and acknowledge with 202, as the Agents SDK acknowledges.

Nothing here imports the SDK (about 25 MB): a server whose workers answer only takes
requests in. The activity is kept as it came, in the Bot Framework's wire format; a worker
reads it with the SDK (`bot.channels.teams`) and answers through it. The SDK's turn
pipeline is not run on the request: it would fetch a connector token for a turn that sends
nothing, and a slow connector would hold up the request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.channels import actions, teams_views
from bot.channels.teams_connection import TeamsAuth
from bot.channels.teams_tokens import SigningKeys, TokenCheck
from bot.config import Settings
from bot.engine import Engine
from bot.languages import LANGS, Lang
from bot.runtime.answering import Accept

CARD_ACTION = "adaptiveCard/action"  # the invoke a Universal Action (Action.Execute) sends


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL character")
    return value


class _Account(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    id: str = Field(min_length=1, max_length=512)
    aadObjectId: str | None = Field(None, max_length=512)  # noqa: N815 - the wire name
    _plain = field_validator("id")(_no_nul)


class _Conversation(_Account):
    conversationType: str | None = Field(None, max_length=64)  # noqa: N815
    tenantId: str | None = Field(None, max_length=512)  # noqa: N815


class ActivityShape(BaseModel):
    """What an activity must have before anything acts on it: malformed ones get 400."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    type: str = Field(min_length=1, max_length=64)
    id: str | None = Field(None, max_length=512)
    name: str | None = Field(None, max_length=256)
    action: str | None = Field(None, max_length=64)
    locale: str | None = Field(None, max_length=64)
    serviceUrl: str = Field("", max_length=2048)  # noqa: N815 - the wire name
    from_: _Account = Field(alias="from")
    conversation: _Conversation
    channelData: dict | None = None  # noqa: N815
    text: str | None = Field(None, max_length=100_000)
    _plain = field_validator("id", "type")(lambda v: v if v is None else _no_nul(v))


def validated(raw: bytes) -> dict | None:
    """The activity as it came, or None when it is not one we can act on."""
    try:
        data = json.loads(raw)
        ActivityShape.model_validate(data)
    except (ValueError, RecursionError, ValidationError):
        return None
    return data


def kind_of(activity: dict) -> str | None:
    """What the bot keeps: messages and button presses, and being added somewhere."""
    kind = activity["type"]
    if kind == "message" or (kind == "invoke" and activity.get("name") == CARD_ACTION):
        return "message"
    if kind == "installationUpdate" and activity.get("action") == "add":
        return "installed"
    return None


def service_url_matches(claims: dict, activity: dict) -> bool:
    """A connector token names the service it came from; the activity must agree."""
    claimed = claims.get("serviceurl")
    return not claimed or claimed.rstrip("/") == (activity.get("serviceUrl") or "").rstrip("/")


def language(locale: str | None) -> Lang | None:
    """Teams' locale ("sv-SE", "nb-NO", "nn-NO") as one of the bot's languages."""
    code = (locale or "").split("-")[0].lower()
    code = "nb" if code in ("no", "nn") else code
    return code if code in LANGS else None


def tenant(activity: dict) -> str | None:
    said = (activity.get("channelData") or {}).get("tenant")
    tenant_id = said.get("id") if isinstance(said, dict) else None
    return tenant_id if isinstance(tenant_id, str) else activity["conversation"].get("tenantId")


def org_of(settings: Settings, activity: dict) -> str:
    return settings.teams_tenants.get(tenant(activity) or "", settings.org)


def who(settings: Settings, engine: Engine, activity: dict) -> tuple[str, str]:
    """The org and the person (their e-mail if the directory knows their Teams id)."""
    org = org_of(settings, activity)
    sender = activity["from"]
    aad = sender.get("aadObjectId") or sender["id"]
    for person in engine.knowledge.org(org).directory.people:
        if person.teams_id and person.teams_id == aad:
            return org, person.email
    return org, f"teams:{aad}"


class TeamsIntake:
    def __init__(self, settings: Settings, engine: Callable[[], Engine], accept: Accept):
        self.settings = settings
        self.engine = engine
        self.accept = accept
        auth = TeamsAuth.from_settings(settings)
        self.keys = SigningKeys(auth.key_urls, timeout=settings.teams_keys_timeout_seconds)
        self.tokens = TokenCheck(auth.app_id, auth.issuers, self.keys) if auth.app_id else None

    async def start(self) -> None:
        if self.tokens is not None:
            await self.keys.start()

    async def stop(self) -> None:
        await self.keys.stop()

    async def handle(self, request: web.Request) -> web.Response:
        """aiohttp handler for POST /api/messages."""
        claims: dict | None = {}  # anonymous: local testing only
        if self.tokens is not None:
            claims = self.tokens.claims(request.headers.get("Authorization", ""))
            if claims is None:
                return web.Response(status=401, text="unauthorized")
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.Response(status=415, text="application/json expected")
        activity = validated(await request.read())
        if activity is None:
            return web.Response(status=400, text="malformed activity")
        if not service_url_matches(claims, activity):
            return web.Response(status=401, text="unauthorized")
        if activity["type"] == "invoke" and (ticket := teams_views.asked(activity.get("value"))):
            return web.json_response(await asyncio.to_thread(self._view, activity, ticket))
        kind = kind_of(activity)
        if kind is not None:  # if the inbox cannot take it: 500, and the connector retries
            key = f"teams:{kind}:{activity.get('id')}"
            await self.accept(key, "teams", {"kind": kind, "activity": activity})
        if activity["type"] == "invoke":  # Teams waits for this; the answer follows as a message
            return web.json_response(self._received(activity))
        return web.Response(status=202)

    def _received(self, activity: dict) -> dict:
        engine = self.engine()
        org = org_of(self.settings, activity)
        lang = language(activity.get("locale")) or engine.knowledge.org(org).org.language
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": engine.knowledge.message("card_action_received", lang),
        }

    def _view(self, activity: dict, ticket: str) -> dict:
        """A refresh asks for the card as this person sees it (nothing is changed)."""
        engine = self.engine()
        org, viewer = who(self.settings, engine, activity)
        payload = teams_views.view(engine, org, ticket, viewer)
        if payload is None:
            return self._received(activity)
        refresh = teams_views.refresh_for(engine, org, payload)
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.card.adaptive",
            "value": teams_views.card(actions.payload_replies(payload), refresh),
        }
