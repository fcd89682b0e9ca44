"""The ticket desk: filing, claiming, resolving, reassigning, escalating — with rights.

Every change is written with its audit event and its notifications (outbox rows) in one
transaction, before anyone is told: a crash can lose nothing that was announced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.knowledge.loader import Knowledge, OrgKnowledge
from bot.languages import Lang
from bot.storage.db import Sessions
from bot.storage.models import Ticket, TicketCounter, TicketEvent
from bot.tickets import cards, notices, routing, sla
from bot.tickets.intake import Intake
from bot.tickets.routing import Route

OPEN_STATES = ("open", "claimed")
CHANGES_A_CARD = ("claimed", "reassigned", "resolved", "cancelled")
SUBJECT_CHARS = 300


@dataclass(frozen=True)
class Outcome:
    ok: bool
    key: str  # the message that tells the actor what happened
    values: dict = field(default_factory=dict)
    ticket: Ticket | None = None


class Desk:
    def __init__(
        self,
        knowledge: Knowledge,
        sessions: Sessions,
        clock: Clock,
        urgent_minutes: int = 15,
        normal_working_days: int = 2,
    ):
        self.knowledge = knowledge
        self.sessions = sessions
        self.clock = clock
        self.urgent_minutes = urgent_minutes
        self.normal_working_days = normal_working_days
        self.intake = Intake(sessions, clock)

    # --- before a ticket ---------------------------------------------------------------
    def draft_request(
        self,
        org: OrgKnowledge,
        requester: str,
        draft_id: str,
        function: str | None,
        subject: str,
        body: str,
        lang: Lang,
    ) -> tuple[Route | None, str | None]:
        """Keep the request for the asker to confirm; its route and the asker's area (None
        when the area is still to be asked)."""
        area = self.intake.area_of(org, requester)
        route = routing.route(
            org.directory, crisis=False, function=function, area=area, today=self._today()
        )
        self.intake.save_draft(draft_id, org.id, requester, route, subject, body, lang)
        return route, area

    def file_crisis(
        self, org: OrgKnowledge, requester: str, source_id: str, text: str, lang: Lang
    ) -> tuple[Ticket, Route]:
        """An urgent ticket to this week's on-duty press officer, at once: nobody has to
        confirm anything first. The ticket carries the message and nothing else."""
        route = routing.route(
            org.directory,
            crisis=True,
            function=None,
            area=self.intake.area_of(org, requester),
            today=self._today(),
        )
        ticket, _ = self.file(org, requester, source_id, route, text[:SUBJECT_CHARS], text, lang)
        return ticket, route

    def _today(self) -> dt.date:
        return self.clock.now().date()

    # --- filing ------------------------------------------------------------------------
    def file(
        self,
        org: OrgKnowledge,
        requester: str,
        source_id: str,
        route: Route,
        subject: str,
        body: str,
        lang: Lang,
    ) -> tuple[Ticket, bool]:
        """A ticket for `source_id`; filing the same source again returns the first one."""
        with self.sessions.begin() as session:
            existing = self._by_source(session, org.id, source_id)
            if existing is not None:
                return existing, False
            now = self.clock.now()
            number = self._next_number(session, org.id, now.year)
            ticket = Ticket(
                human_id=f"{org.org.ticket_prefix}-{now.year}-{number:04d}",
                org=org.id,
                source_id=source_id,
                requester=requester,
                requester_area=route.area,
                assignee=route.assignee,
                function=route.function,
                reason=route.kind,
                priority=route.priority,
                state="open",
                subject=subject,
                body=body,
                language=lang,
                escalation=0,
                created_at=now,
                due_at=self._due(org, route.priority, now),
            )
            try:
                with session.begin_nested():  # a SAVEPOINT: losing a race spoils nothing else
                    session.add(ticket)
            except IntegrityError:  # the same source filed at the same moment elsewhere
                return self._by_source(session, org.id, source_id), False
            self._event(session, ticket, requester, "created", route.kind)
            for recipient in routing.recipients(org.directory, route):
                self._notify_new(session, org, ticket, recipient)
            return ticket, True

    # --- lifecycle -----------------------------------------------------------------------
    def claim(self, org: OrgKnowledge, human_id: str, actor: str) -> Outcome:
        with self.sessions.begin() as session:
            ticket, refusal = self._for_adviser(session, org, human_id, actor)
            if refusal:
                return refusal
            won = (
                session.execute(
                    update(Ticket)
                    .where(Ticket.id == ticket.id, Ticket.state == "open")
                    .values(state="claimed", assignee=actor, claimed_at=self.clock.now())
                    .returning(Ticket.id)
                ).first()
                is not None
            )
            session.refresh(ticket)
            if not won:
                if ticket.state == "claimed":
                    return Outcome(
                        False,
                        "claimed_by_other",
                        {"name": notices.person_name(org, ticket.assignee)},
                        ticket,
                    )
                return Outcome(False, "not_open", {"state": ticket.state}, ticket)
            self._event(session, ticket, actor, "claimed")
            self._notify(
                session,
                org,
                ticket,
                ticket.requester,
                "notify_claimed",
                name=notices.person_name(org, actor),
            )
            return Outcome(True, "claimed_ok", {}, ticket)

    def resolve(self, org: OrgKnowledge, human_id: str, actor: str) -> Outcome:
        return self._close(org, human_id, actor, "resolved", "resolved_ok", "notify_resolved")

    def cancel(self, org: OrgKnowledge, human_id: str, actor: str) -> Outcome:
        return self._close(org, human_id, actor, "cancelled", "cancelled_ok", "notify_cancelled")

    def reassign(self, org: OrgKnowledge, human_id: str, actor: str, to: str) -> Outcome:
        with self.sessions.begin() as session:
            ticket, refusal = self._for_adviser(session, org, human_id, actor)
            if refusal:
                return refusal
            if ticket.state not in OPEN_STATES:
                return Outcome(False, "already_closed", {"state": ticket.state}, ticket)
            if org.directory.person(to) is None:
                return Outcome(False, "unknown_person", {"person": to}, ticket)
            if ticket.state == "claimed" and not self._may_override(org, ticket, actor):
                return Outcome(
                    False, "not_yours", {"name": notices.person_name(org, ticket.assignee)}, ticket
                )
            now = self.clock.now()
            ticket.state, ticket.assignee, ticket.claimed_at = "open", to.lower(), None
            ticket.due_at = self._due(org, ticket.priority, now)
            self._event(session, ticket, actor, "reassigned", to)
            self._notify_new(session, org, ticket, to.lower())
            self._notify(
                session,
                org,
                ticket,
                ticket.requester,
                "notify_reassigned",
                name=notices.person_name(org, to),
            )
            return Outcome(True, "reassigned_ok", {"name": notices.person_name(org, to)}, ticket)

    def escalate_due(self) -> int:
        """Pass on every open ticket past its deadline; durable, so restarts lose nothing."""
        now = self.clock.now()
        escalated = 0
        with self.sessions.begin() as session:
            due = session.scalars(
                select(Ticket)
                .where(Ticket.state == "open", Ticket.due_at <= now)
                .order_by(Ticket.due_at)
                .with_for_update(skip_locked=True)
            )
            for ticket in due:
                org = self.knowledge.org(ticket.org)
                ladder = routing.escalation_ladder(org.directory, ticket.priority)
                ticket.due_at = self._due(org, ticket.priority, now)
                if not ladder:  # nobody to tell (no admins): no empty audit entry
                    continue
                first_time = ticket.escalation < len(ladder)
                # past the top step, the last are reminded until someone claims it
                targets = ladder[ticket.escalation] if first_time else ladder[-1]
                ticket.escalation += 1
                self._event(session, ticket, "kombot", "escalated", ", ".join(targets))
                for target in targets:
                    self._notify(
                        session,
                        org,
                        ticket,
                        target,
                        "escalated_to_you",
                        buttons=True,
                        subject=ticket.subject,
                    )
                if first_time:  # a reminder to the same people is no news to the requester
                    self._notify(
                        session,
                        org,
                        ticket,
                        ticket.requester,
                        "notify_escalated",
                        name=notices.person_name(org, targets[0]),
                    )
                escalated += 1
        return escalated

    # --- reading -------------------------------------------------------------------------
    def as_of_now(self, org_id: str, payload: dict, viewer: str | None = None) -> dict:
        """A notice about a ticket, as it reads when it is delivered: if the ticket has
        been claimed, resolved or cancelled since, it says so and has no buttons. A card
        rewritten in place (seen by a whole channel) keeps none, except in the view of its
        assignee (a Teams user-specific view); a notice sent now to one person keeps what
        the assignee may still do."""
        human_id = payload.get("ticket")
        if not human_id or not payload.get("choices"):
            return payload
        with self.sessions() as session:
            ticket = self._by_human_id(session, org_id, human_id)
        if ticket is None or ticket.state == "open":
            return payload
        lang = payload.get("language", "en")
        state = self.knowledge.message(f"state_{ticket.state}", lang)
        if ticket.state == "claimed":
            name = notices.person_name(self.knowledge.org(org_id), ticket.assignee)
            state = self.knowledge.message("state_claimed_by", lang, name=name)
        now = self.knowledge.message("ticket_now", lang, state=state)
        still = ticket.state == "claimed" and (
            cards.UPDATE not in payload or viewer == ticket.assignee
        )
        return {
            **payload,
            "text": f"{payload['text']}\n\n{now}",
            "choices": (
                [c for c in payload["choices"] if c["action"]["name"] != "claim"] if still else []
            ),
        }

    def advisers_of(self, org: OrgKnowledge, human_id: str) -> list[str]:
        """Everyone in the directory who may act on the ticket."""
        with self.sessions() as session:
            ticket = self._by_human_id(session, org.id, human_id)
            if ticket is None:
                return []
            return [
                person.email
                for person in org.directory.people
                if self._is_adviser(org, ticket, person.email)
            ]

    def show(self, org: OrgKnowledge, human_id: str, actor: str) -> Outcome:
        with self.sessions() as session:
            ticket = self._by_human_id(session, org.id, human_id)
            if ticket is None:
                return Outcome(False, "unknown_ticket", {"ticket": human_id})
            if actor != ticket.requester and not self._is_adviser(org, ticket, actor):
                return Outcome(False, "no_rights", {"ticket": human_id})
            return Outcome(True, "", {}, ticket)

    def requests_of(self, org_id: str, user: str) -> list[Ticket]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Ticket)
                    .where(
                        Ticket.org == org_id,
                        Ticket.requester == user,
                        Ticket.state.in_(OPEN_STATES),
                    )
                    .order_by(Ticket.id)
                )
            )

    def queue_of(self, org: OrgKnowledge, user: str) -> list[Ticket]:
        functions = [f.id for f in org.directory.functions if user in f.members]
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Ticket)
                    .where(
                        Ticket.org == org.id,
                        Ticket.state.in_(OPEN_STATES),
                        or_(
                            Ticket.assignee == user,
                            (Ticket.assignee.is_(None) & Ticket.function.in_(functions)),
                        ),
                    )
                    .order_by(Ticket.priority.desc(), Ticket.id)
                )
            )

    def events(self, ticket_id: int) -> list[TicketEvent]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(TicketEvent)
                    .where(TicketEvent.ticket_id == ticket_id)
                    .order_by(TicketEvent.id)
                )
            )

    def tickets(self, org_id: str | None = None) -> list[Ticket]:
        with self.sessions() as session:
            query = select(Ticket).order_by(Ticket.id)
            if org_id:
                query = query.where(Ticket.org == org_id)
            return list(session.scalars(query))

    # --- inside ----------------------------------------------------------------------------
    def _close(self, org, human_id, actor, state, ok_key, notify_key) -> Outcome:
        with self.sessions.begin() as session:
            ticket = self._by_human_id(session, org.id, human_id, lock=True)
            if ticket is None:
                return Outcome(False, "unknown_ticket", {"ticket": human_id})
            requester_may = state == "cancelled" and actor == ticket.requester
            if not requester_may and not self._is_adviser(org, ticket, actor):
                return Outcome(False, "no_rights", {"ticket": human_id}, ticket)
            if ticket.state not in OPEN_STATES:
                return Outcome(False, "already_closed", {"state": ticket.state}, ticket)
            if (
                ticket.state == "claimed"
                and not requester_may
                and not self._may_override(org, ticket, actor)
            ):
                return Outcome(
                    False, "not_yours", {"name": notices.person_name(org, ticket.assignee)}, ticket
                )
            assignee = ticket.assignee
            ticket.state = state
            ticket.resolved_at = self.clock.now()
            self._event(session, ticket, actor, state)
            if state == "cancelled" and assignee and assignee != actor:
                self._notify(  # the adviser stops working on it
                    session,
                    org,
                    ticket,
                    assignee,
                    "notify_cancelled_assignee",
                    name=notices.person_name(org, actor),
                )
            if actor != ticket.requester:
                self._notify(
                    session,
                    org,
                    ticket,
                    ticket.requester,
                    notify_key,
                    name=notices.person_name(org, actor),
                )
            return Outcome(True, ok_key, {}, ticket)

    def _for_adviser(self, session, org, human_id, actor) -> tuple[Ticket | None, Outcome | None]:
        ticket = self._by_human_id(session, org.id, human_id, lock=True)
        if ticket is None:
            return None, Outcome(False, "unknown_ticket", {"ticket": human_id})
        if not self._is_adviser(org, ticket, actor):
            return ticket, Outcome(False, "no_rights", {"ticket": human_id}, ticket)
        return ticket, None

    def _is_adviser(self, org: OrgKnowledge, ticket: Ticket, actor: str) -> bool:
        directory = org.directory
        if actor == ticket.assignee or actor in directory.admins():
            return True
        function = directory.function(ticket.function or "")
        if function is not None and actor in function.members:
            return True
        if ticket.priority == "urgent":
            duty = directory.on_duty
            crisis = directory.function("crisis")
            return actor in (duty.odd_weeks, duty.even_weeks, duty.backup) or (
                crisis is not None and actor in crisis.members
            )
        ladder = routing.escalation_ladder(directory, ticket.priority)
        return any(actor in step for step in ladder)

    def _may_override(self, org: OrgKnowledge, ticket: Ticket, actor: str) -> bool:
        return actor == ticket.assignee or actor in org.directory.admins()

    def _due(self, org: OrgKnowledge, priority: str, now: dt.datetime) -> dt.datetime:
        return sla.due_at(
            now, priority, org.org.country, self.urgent_minutes, self.normal_working_days
        )

    def _next_number(self, session: Session, org_id: str, year: int) -> int:
        bump = (
            update(TicketCounter)
            .where(TicketCounter.org == org_id, TicketCounter.year == year)
            .values(last=TicketCounter.last + 1)
            .returning(TicketCounter.last)
        )
        number = session.execute(bump).scalar_one_or_none()
        if number is None:
            insert = (
                postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
            )
            session.execute(
                insert(TicketCounter).values(org=org_id, year=year, last=0).on_conflict_do_nothing()
            )
            number = session.execute(bump).scalar_one()
        return number

    def _by_source(self, session, org_id, source_id) -> Ticket | None:
        return session.scalar(
            select(Ticket).where(Ticket.org == org_id, Ticket.source_id == source_id)
        )

    def _by_human_id(self, session, org_id, human_id, lock=False) -> Ticket | None:
        query = select(Ticket).where(Ticket.org == org_id, Ticket.human_id == human_id.upper())
        return session.scalar(query.with_for_update() if lock else query)

    def _event(self, session, ticket, actor, kind, detail="") -> TicketEvent:
        event = TicketEvent(
            ticket_id=ticket.id, at=self.clock.now(), actor=actor, kind=kind, detail=detail
        )
        session.add(event)
        session.flush()
        if kind in CHANGES_A_CARD:
            cards.rewrite_all(session, ticket, event, event.at)
        return event

    def _notify(self, session, org, ticket, recipient, key, buttons=False, **values) -> None:
        notices.notify(
            self.knowledge,
            session,
            org,
            ticket,
            recipient,
            key,
            self.clock.now(),
            buttons=buttons,
            **values,
        )

    def _notify_new(self, session, org, ticket, recipient) -> None:
        notices.notify_new(self.knowledge, session, org, ticket, recipient, self.clock.now())
