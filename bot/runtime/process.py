"""The composition root of a server or worker process: the database, clock, engine,
channels, inbox and outbox workers, the scheduler and reloads, each built once.

`kombot serve` is a `Runtime` with an HTTP front (`bot.web.Server`); `kombot worker` is
one without: it answers the inbox and delivers the outbox while the server only acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging

from bot.app import build_engine
from bot.channels.slack import SlackChannel
from bot.channels.teams_connection import teams_app_id
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge.loader import load_knowledge
from bot.runtime.answering import Answering
from bot.runtime.delivery import Delivery
from bot.runtime.loops import INBOX_POLL, NOTIFIED_POLL, Loops
from bot.runtime.reload import Reloader, served, warm_served
from bot.runtime.scheduler import SchedulerRuntime
from bot.runtime.threads import Threads
from bot.runtime.wakeup import Listener
from bot.storage.inbox import Inbox

log = logging.getLogger("kombot.runtime")


class ConfigurationError(RuntimeError):
    """The server cannot start with this configuration; the message says why."""


def check_configuration(settings: Settings) -> bool:
    """Refuse what cannot be served safely; True when Teams is served. Teams is off when
    it has no app id and Slack is configured: an organisation on Slack alone should not
    have to open an unauthenticated Teams endpoint to start."""
    if settings.slack_bot_token and not settings.slack_signing_secret:
        raise ConfigurationError(
            "KOMBOT_SLACK_SIGNING_SECRET is required with a Slack bot "
            "token: unsigned Slack requests are never accepted"
        )
    app_id = teams_app_id(settings)
    if not app_id and not settings.teams_allow_no_auth:
        if settings.slack_signing_secret:
            log.warning(
                "Teams is off: no KOMBOT_TEAMS_APP_ID (or the Agents SDK's CONNECTIONS__…"
                "CLIENTID); serving Slack only"
            )
            return False
        raise ConfigurationError(
            "Nothing to serve. Slack needs KOMBOT_SLACK_BOT_TOKEN and "
            "KOMBOT_SLACK_SIGNING_SECRET; Teams needs KOMBOT_TEAMS_APP_ID and "
            "KOMBOT_TEAMS_APP_PASSWORD (or the Agents SDK's "
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID and __CLIENTSECRET). For local "
            "testing without authentication set KOMBOT_TEAMS_ALLOW_NO_AUTH=1 (never in production: "
            "the endpoint then accepts any request)"
        )
    if not app_id:
        log.warning(
            "TEAMS AUTHENTICATION IS OFF (KOMBOT_TEAMS_ALLOW_NO_AUTH=1): /api/messages "
            "accepts unauthenticated requests; for local testing only"
        )
    return True


def served_engine(settings: Settings, answering: bool = True) -> Engine:
    """The engine on the configured database, every served org's model ready when this
    process answers (a server whose workers answer needs no model: about 7 MB per org)."""
    knowledge = load_knowledge(settings.knowledge_dir, settings.intents_dir)
    unknown = sorted(served(settings) - set(knowledge.orgs))
    if unknown:
        raise ConfigurationError(
            f"no knowledge for {', '.join(unknown)} (KOMBOT_ORG, KOMBOT_SLACK_WORKSPACES or "
            f"KOMBOT_TEAMS_TENANTS); the knowledge has {', '.join(sorted(knowledge.orgs))}"
        )
    engine = build_engine(knowledge, settings, migrate_apart=True)
    if answering:
        warm_served(engine, settings)
    gc.freeze()  # what start-up built lives as long as the process: no collector pauses over it
    return engine


class Runtime:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        scheduler_interval: float = 60.0,
        answer_here: bool = True,
    ):
        teams_served = check_configuration(settings)
        self.settings = settings
        self.engine = engine
        self.quick = Threads("quick", 4)  # acks, health, bookkeeping: never behind answers
        self.answer_threads = Threads("answer", settings.worker_threads)
        retry = dt.timedelta(seconds=settings.retry_base_seconds)
        self.inbox = Inbox(
            engine.desk.sessions,
            engine.desk.clock,
            lease=dt.timedelta(seconds=settings.inbox_lease_seconds),
            retry_base=retry,
        )
        self.teams_served = teams_served
        current = self.current_engine
        self.slack: SlackChannel | None = None
        self.teams = None
        self.delivery: Delivery | None = None
        self.answering: Answering | None = None
        if answer_here:  # a server whose workers answer only takes requests in
            if settings.slack_signing_secret:
                self.slack = SlackChannel(settings, current)
            if teams_served:  # the Agents SDK (about 25 MB) is imported only here
                from bot.channels.teams import TeamsChannel

                self.teams = TeamsChannel(settings, current)
            self.delivery = Delivery(
                current, self.slack, self.teams, self.quick, retry, settings.send_timeout_seconds
            )
            channels = {
                name: channel
                for name, channel in (("teams", self.teams), ("slack", self.slack))
                if channel is not None
            }
            self.answering = Answering(current, self.inbox, channels, self.answer_threads)
        self.scheduler = SchedulerRuntime(
            engine,
            settings.database_url,
            scheduler_interval,
            announce=log.info,
            retention_days=settings.retention_days,
        )
        self.reloader = Reloader(settings, engine, self._swap, warm=answer_here)
        self.loops: Loops | None = None
        self._stop = asyncio.Event()
        self._scheduler_task: asyncio.Task | None = None
        self._listener: Listener | None = None

    def current_engine(self) -> Engine:
        return self.engine

    def _swap(self, engine: Engine) -> None:
        self.engine = engine
        self.scheduler.engine = engine

    def reload(self) -> bool:
        return self.reloader.reload()

    async def deliver_once(self) -> int:
        assert self.delivery is not None, "workers deliver; this process only acknowledges"
        return await self.delivery.deliver_once()

    async def accept(self, key: str, channel: str, payload: dict) -> bool:
        """Commit a message to the inbox (before the channel acknowledges it)."""
        new = await self.quick.run(self.inbox.accept, key, channel, payload)
        if new and self.loops is not None:
            self.loops.wake.set()
        return new

    async def start(self) -> None:
        if self.slack is not None:
            await self.slack.open()
        if self.answering is not None and self.delivery is not None:
            notified = self.settings.database_url.startswith("postgresql")
            poll = NOTIFIED_POLL if notified else INBOX_POLL
            self.loops = Loops(self.answering, self.delivery, poll)
            self.loops.start()
            if notified:
                self._listener = Listener(
                    self.settings.database_url, asyncio.get_running_loop(), self.loops.wake
                )
                self._listener.start()
        self._scheduler_task = asyncio.create_task(self.scheduler.run(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.stop()
        if self.loops is not None:
            await self.loops.stop()
        if self._scheduler_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._scheduler_task, timeout=10)
        if self.slack is not None:
            await self.slack.close()
        self.quick.close()
        self.answer_threads.close()
