"""Knowledge reloads without a restart, all or nothing.

A new version is swapped in only when it loads and every org this server answers for is
in it and warms (its model loaded or trained), while the last good version keeps
answering. Otherwise the old version stays, and each served org's admins are told once
per problem, not once per attempt. A reload swaps the knowledge and what is built from
it; the database, its pool and the clock stay.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

from bot.app import build_engine
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.yamlfile import KnowledgeError, Problem
from bot.replies import Reply
from bot.storage.outbox import enqueue_many

log = logging.getLogger("kombot.reload")


class Reloader:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        swap: Callable[[Engine], None],
        warm: bool = True,
    ):
        """`warm`: build the models before the swap (off where workers answer: they
        build their own, and a process that only acknowledges needs none)."""
        self.settings = settings
        self.warm = warm
        self.engine = engine
        self.swap = swap
        self.last_error = ""
        self._one_at_a_time = threading.Lock()
        engine.reload = self.from_chat

    def from_chat(self, turn) -> Reply:
        ok = self.reload()
        lang = turn.lang
        if ok:
            version = self.engine.knowledge.version
            return Reply(
                "notice", self.engine.knowledge.message("reloaded", lang, version=version), lang
            )
        problems = self.last_error[:2500]
        return Reply(
            "notice", turn.knowledge.message("reload_failed", lang, problems=problems), lang
        )

    def reload(self) -> bool:
        with self._one_at_a_time:
            try:
                engine = self._build()
            except Exception as exc:  # anything at all: the last good version keeps serving
                problems = str(exc) if isinstance(exc, KnowledgeError) else repr(exc)
                log.error(
                    "knowledge reload refused, still serving %s:\n%s",
                    self.engine.knowledge.version,
                    problems,
                )
                self.last_error = problems
                self._tell_admins(problems)
                return False
            engine.reload = self.from_chat
            self.engine = engine
            self.last_error = ""
            self.swap(engine)
            log.info("knowledge reloaded: %s", engine.knowledge.version)
            return True

    def _build(self) -> Engine:
        knowledge = load_knowledge(self.settings.knowledge_dir, self.settings.intents_dir)
        missing = sorted(served(self.settings) - set(knowledge.orgs))
        if missing:
            message = (
                f"the new knowledge has no {', '.join(missing)}, which this server answers "
                "for; restore it, or change KOMBOT_ORG, KOMBOT_SLACK_WORKSPACES or "
                "KOMBOT_TEAMS_TENANTS and restart"
            )
            raise KnowledgeError([Problem("orgs/", 1, message)])
        engine = build_engine(
            knowledge,
            self.settings,
            clock=self.engine.desk.clock,
            database=self.engine.desk.sessions,
        )
        if self.warm:
            warm_served(engine, self.settings)  # trained before the swap, not on a question
        return engine

    def _tell_admins(self, problems: str) -> None:
        """Once per served org's admin and problem: a retried SIGHUP says nothing new."""
        digest = hashlib.sha256(problems.encode()).hexdigest()[:16]
        engine = self.engine
        messages = [
            {
                "key": f"reload-failed:{digest}:{org_id}:{admin}",
                "org": org_id,
                "recipient": admin,
                "payload": {
                    "text": engine.knowledge.message(
                        "reload_failed", "en", problems=problems[:2500]
                    ),
                    "choices": [],
                    "language": "en",
                },
            }
            for org_id in sorted(served(self.settings))
            for admin in engine.knowledge.org(org_id).directory.admins()
        ]
        with engine.desk.sessions.begin() as session:
            enqueue_many(session, messages, engine.desk.clock.now())


def served(settings: Settings) -> set[str]:
    """The orgs this server answers for: the default and every mapped workspace/tenant."""
    return {settings.org, *settings.slack_workspaces.values(), *settings.teams_tenants.values()}


def warm_served(engine: Engine, settings: Settings) -> None:
    """Load or train the model of every org this server answers for, now rather than on
    its first question. An org the knowledge lacks is an error here, not on a question."""
    for org in sorted(served(settings)):
        engine.warm(org)
