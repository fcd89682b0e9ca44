"""Who may see the dashboard, and how they get in.

An admin of an org's directory sees all of that org; an adviser (a member of an expert
function) sees their functions' ticket queue and the unanswered themes; nobody else gets
in, and nobody ever sees another org. Sign-in is a one-time link (10 minutes, used once);
opening it starts a session (8 hours) whose id lives in an HttpOnly cookie. Only hashes
of link tokens and session ids are stored, so a copy of the database lets nobody in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from bot.clock import Clock
from bot.knowledge.loader import Knowledge
from bot.languages import Lang
from bot.storage.db import Sessions
from bot.storage.models import DashboardLink, DashboardSession

LINK_LIFETIME = dt.timedelta(minutes=10)
SESSION_LIFETIME = dt.timedelta(hours=8)
ADMIN_PAGES = ("overview", "unanswered", "unhelpful", "knowledge", "tickets", "goals")
ADVISER_PAGES = ("unanswered", "tickets")


class NoAccess(Exception):
    """This person may not use the dashboard (the message says why, for them)."""


@dataclass(frozen=True)
class Viewer:
    email: str
    org: str
    admin: bool
    functions: tuple[str, ...]  # the expert functions whose queue they see
    language: Lang
    csrf: str = ""

    @property
    def pages(self) -> tuple[str, ...]:
        return ADMIN_PAGES if self.admin else ADVISER_PAGES


def viewer(knowledge: Knowledge, org_id: str, email: str, csrf: str = "") -> Viewer:
    """The rights of `email` in `org_id`; NoAccess if they have none."""
    org = knowledge.orgs.get(org_id)
    person = org.directory.person(email) if org else None
    if person is None:
        raise NoAccess(f"{email} is not in the directory of {org_id}")
    functions = tuple(f.id for f in org.directory.functions if person.email in f.members)
    if not person.admin and not functions:
        raise NoAccess(f"{email} is neither an admin nor an adviser in {org_id}")
    return Viewer(
        person.email,
        org_id,
        bool(person.admin),
        functions,
        person.language or org.org.language,
        csrf,
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Access:
    def __init__(self, knowledge: Knowledge, sessions: Sessions, clock: Clock):
        self.knowledge = knowledge
        self.sessions = sessions
        self.clock = clock

    def link(self, org_id: str, email: str, base_url: str) -> str:
        """A sign-in link for someone who may use the dashboard (NoAccess otherwise)."""
        who = viewer(self.knowledge, org_id, email)
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            session.add(
                DashboardLink(
                    token_hash=_hash(token),
                    org=who.org,
                    email=who.email,
                    expires_at=self.clock.now() + LINK_LIFETIME,
                )
            )
        return f"{base_url.rstrip('/')}/dashboard/signin/{token}"

    def sign_in(self, token: str) -> str | None:
        """A new session id for an unused, unexpired link, which is used up; else None."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            used = session.execute(
                update(DashboardLink)
                .where(
                    DashboardLink.token_hash == _hash(token),
                    DashboardLink.used_at.is_(None),
                    DashboardLink.expires_at > now,
                )
                .values(used_at=now)
                .returning(DashboardLink.org, DashboardLink.email)
            ).first()
            if used is None:
                return None
            session_id = secrets.token_urlsafe(32)
            session.add(
                DashboardSession(
                    id_hash=_hash(session_id),
                    org=used.org,
                    email=used.email,
                    csrf=secrets.token_urlsafe(24),
                    expires_at=now + SESSION_LIFETIME,
                )
            )
            session.execute(delete(DashboardSession).where(DashboardSession.expires_at <= now))
        return session_id

    def who(self, session_id: str | None) -> Viewer | None:
        """The viewer of a live session (rights read again from today's directory)."""
        if not session_id:
            return None
        with self.sessions() as session:
            row = session.scalar(
                select(DashboardSession).where(
                    DashboardSession.id_hash == _hash(session_id),
                    DashboardSession.expires_at > self.clock.now(),
                )
            )
        if row is None:
            return None
        try:
            return viewer(self.knowledge, row.org, row.email, row.csrf)
        except NoAccess:  # left the directory, or lost the role, since signing in
            return None

    def sign_out(self, session_id: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                delete(DashboardSession).where(DashboardSession.id_hash == _hash(session_id))
            )
