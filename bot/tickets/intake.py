"""Before a ticket: where the asker works (asked once, remembered), the question a ticket
is made from and the bot's answer to it (redacted; never the rest of the conversation),
and the request shown for confirmation (a draft)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from bot.clock import Clock
from bot.knowledge.loader import OrgKnowledge
from bot.languages import Lang
from bot.storage.db import Sessions
from bot.storage.models import Draft, PersonRecord, Ticket, Turn
from bot.tickets.routing import Route


class Intake:
    def __init__(self, sessions: Sessions, clock: Clock):
        self.sessions = sessions
        self.clock = clock

    def area_of(self, org: OrgKnowledge, user: str) -> str | None:
        person = org.directory.person(user)
        if person is not None and person.area:
            return person.area
        with self.sessions() as session:
            record = session.scalar(
                select(PersonRecord).where(PersonRecord.org == org.id, PersonRecord.user == user)
            )
            return record.area if record else None

    def remember_area(self, org_id: str, user: str, area: str) -> None:
        now = self.clock.now()
        with self.sessions.begin() as session:
            record = session.scalar(
                select(PersonRecord).where(PersonRecord.org == org_id, PersonRecord.user == user)
            )
            if record is None:
                session.add(PersonRecord(org=org_id, user=user, area=area, updated_at=now))
            else:
                record.area, record.updated_at = area, now

    def last_exchange(self, org_id: str, user: str) -> tuple[str | None, str | None]:
        """The person's last question and the bot's answer to it."""
        with self.sessions() as session:
            turns = list(
                session.scalars(
                    select(Turn)
                    .where(Turn.org == org_id, Turn.user == user)
                    .order_by(Turn.at.desc(), Turn.id.desc())
                    .limit(2)
                )
            )
        question = next((t.text for t in turns if t.who == "user"), None)
        answer = next((t.text for t in turns if t.who == "bot"), None) if question else None
        return question, answer

    def save_draft(
        self,
        draft_id: str,
        org_id: str,
        requester: str,
        route: Route | None,
        subject: str,
        body: str,
        lang: Lang,
    ) -> None:
        with self.sessions.begin() as session:
            if session.get(Draft, draft_id) is None:
                session.add(
                    Draft(
                        id=draft_id,
                        org=org_id,
                        requester=requester,
                        route=route.as_dict() if route else {},
                        subject=subject,
                        body=body,
                        language=lang,
                        created_at=self.clock.now(),
                    )
                )

    def draft(self, draft_id: str) -> Draft | None:
        with self.sessions() as session:
            return session.get(Draft, draft_id)

    def awaiting_confirmation(self, org_id: str, user: str, within: dt.timedelta) -> Draft | None:
        """The person's latest request shown with *Send* / *Cancel* in the last `within`,
        when it is routed and not yet sent."""
        since = self.clock.now() - within
        with self.sessions() as session:
            draft = session.scalars(
                select(Draft)
                .where(Draft.org == org_id, Draft.requester == user, Draft.created_at >= since)
                .order_by(Draft.created_at.desc())
                .limit(1)
            ).first()
            if draft is None or not draft.route:
                return None
            sent = session.scalar(
                select(Ticket.id).where(Ticket.org == org_id, Ticket.source_id == draft.id)
            )
            return None if sent is not None else draft

    def set_draft_route(self, draft_id: str, route: Route) -> None:
        with self.sessions.begin() as session:
            session.execute(update(Draft).where(Draft.id == draft_id).values(route=route.as_dict()))

    def drop_draft(self, draft_id: str) -> None:
        with self.sessions.begin() as session:
            draft = session.get(Draft, draft_id)
            if draft is not None:
                session.delete(draft)
