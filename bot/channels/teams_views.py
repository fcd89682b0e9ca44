"""User-specific views of a ticket card in Teams (the `refresh` of Universal Actions).

Once a card about a ticket is rewritten it reads the same for everyone in the channel:
"claimed by X", no buttons. Its `refresh` clause makes Teams ask the bot, for each listed
user who looks at it, for that user's own version, so the assignee still sees Resolve and
Reassign. Teams takes at most 60 users; they are the ticket's advisers whose Teams id the
bot knows from a conversation with them. Everyone else sees the card as posted.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.channels import actions
from bot.engine import Engine
from bot.replies import Reply
from bot.storage.models import ConversationRef, PostedCard
from bot.tickets import cards

VERB = "kombot.view"
MAX_USERS = 60


def refresh_for(engine: Engine, org_id: str, payload: dict) -> dict | None:
    """The refresh clause for a card about a ticket, or None when nobody has a view."""
    if not cards.worth_keeping(payload) and cards.UPDATE not in payload:
        return None
    org = engine.knowledge.org(org_id)
    advisers = engine.desk.advisers_of(org, payload["ticket"])
    with engine.desk.sessions() as session:
        references = session.scalars(
            select(ConversationRef.reference).where(
                ConversationRef.channel == "teams", ConversationRef.user.in_(advisers)
            )
        ).all()
    users = [r["user"]["id"] for r in references if (r.get("user") or {}).get("id")]
    if not users:
        return None
    return {
        "action": {
            "type": "Action.Execute",
            "title": "Refresh",
            "verb": VERB,
            "data": {"ticket": payload["ticket"]},
        },
        "userIds": users[:MAX_USERS],
    }


def asked(value: object) -> str | None:
    """The ticket a refresh invoke asks about (its `value`), else None."""
    action = value.get("action") if isinstance(value, dict) else None
    if not isinstance(action, dict) or action.get("verb") != VERB:
        return None
    data = action.get("data")
    ticket = data.get("ticket") if isinstance(data, dict) else None
    return ticket if isinstance(ticket, str) else None


def view(engine: Engine, org_id: str, ticket: str, viewer: str) -> dict | None:
    """The ticket's card as `viewer` should see it now; None if no card was posted."""
    with engine.desk.sessions() as session:
        posted = session.scalar(
            select(PostedCard)
            .where(
                PostedCard.org == org_id,
                PostedCard.ticket == ticket,
                PostedCard.platform == "teams",
            )
            .limit(1)
        )
    if posted is None:
        return None
    rewritten = {**posted.notice, cards.UPDATE: {"platform": "teams", **posted.message}}
    return engine.desk.as_of_now(org_id, rewritten, viewer)


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
