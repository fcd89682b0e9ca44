"""One aiohttp application: Slack, Teams, health and metrics; the outbox delivery loop on
every replica, the scheduler on the one that holds the leadership.

Knowledge reloads without a restart (SIGHUP): a broken edit keeps the last good knowledge
serving, and the problems (file and line) are logged and sent to the admins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bot.app import build_engine
from bot.channels.slack import SlackChannel
from bot.channels.teams import TeamsChannel
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge.loader import load_knowledge
from bot.knowledge.yamlfile import KnowledgeError
from bot.metrics import Metrics
from bot.reminders.scheduler import SchedulerRuntime
from bot.replies import Reply
from bot.storage.models import OutboxMessage, Ticket
from bot.storage.outbox import OutboxWorker, enqueue_many
from bot.tickets.routing import SLACK_CHANNEL, TEAMS_CHANNEL

log = logging.getLogger("kombot.web")
DELIVERY_INTERVAL = 1.0


class ConfigurationError(RuntimeError):
    """The server cannot start with this configuration; the message says why."""


class NoRoute(RuntimeError):
    """Nobody knows how to reach this recipient yet (no Slack id, no Teams conversation)."""


class Unreachable(RuntimeError):
    """A triage channel this deployment cannot post to: skipped, not retried."""


class Server:
    def __init__(self, settings: Settings, engine: Engine, scheduler_interval: float = 60.0):
        check_configuration(settings)
        self.settings = settings
        self.engine = engine
        self.metrics = Metrics()
        current: Callable[[], Engine] = lambda: self.engine  # noqa: E731 - swapped on reload
        self.slack = SlackChannel(settings, current) if settings.slack_signing_secret else None
        self.teams = TeamsChannel(settings, current)
        self.scheduler = SchedulerRuntime(
            engine,
            settings.database_url,
            scheduler_interval,
            announce=log.info,
            retention_days=settings.retention_days,
        )
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.last_reload_error = ""
        self._reloading = threading.Lock()
        engine.reload = self.reload_from_chat

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._measure])
        if self.slack is not None:
            app.router.add_post("/slack/events", self.slack.handle)
        app.router.add_post("/api/messages", self.teams.handle)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics_page)
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._shutdown)
        return app

    @web.middleware
    async def _measure(self, request: web.Request, handler):
        started = time.perf_counter()
        route = request.path if request.path in ("/slack/events", "/api/messages") else "other"
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            self.metrics.requests.labels(route, str(exc.status)).inc()
            raise
        self.metrics.requests.labels(route, str(response.status)).inc()
        self.metrics.latency.labels(route).observe(time.perf_counter() - started)
        return response

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            await asyncio.to_thread(self._ping)
            database = "ok"
        except Exception as exc:  # report, do not crash the health check
            database = f"error: {type(exc).__name__}"
        body = {
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "knowledge": self.engine.knowledge.version,
            "scheduler": self.scheduler.role,
        }
        return web.json_response(body, status=200 if database == "ok" else 503)

    def _ping(self) -> None:
        with self.engine.desk.sessions() as session:
            session.execute(text("SELECT 1"))

    async def metrics_page(self, request: web.Request) -> web.Response:
        def gauges() -> tuple[int, int]:
            with self.engine.desk.sessions() as session:
                tickets = session.scalar(
                    select(func.count())
                    .select_from(Ticket)
                    .where(Ticket.state.in_(("open", "claimed")))
                )
                backlog = session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_(("pending", "sending")))
                )
            return tickets, backlog

        tickets, backlog = await asyncio.to_thread(gauges)
        self.metrics.tickets_open.set(tickets)
        self.metrics.outbox_backlog.set(backlog)
        return web.Response(
            body=generate_latest(self.metrics.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )

    # --- background work -------------------------------------------------------------------
    async def _start(self, app: web.Application) -> None:
        self._tasks = [
            asyncio.create_task(self.scheduler.run(self._stop)),
            asyncio.create_task(self._deliver_forever()),
        ]

    async def _shutdown(self, app: web.Application) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=10)

    async def _deliver_forever(self) -> None:
        while not self._stop.is_set():
            try:
                await self.deliver_once()
            except Exception:  # keep delivering; the rows stay in the outbox
                log.exception("outbox delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=DELIVERY_INTERVAL)

    async def deliver_once(self) -> int:
        """Claim due outbox rows and send each through the channel that reaches it."""
        engine = self.engine
        worker = OutboxWorker(engine.desk.sessions, lambda row: None, engine.desk.clock)
        ids = await asyncio.to_thread(worker.claim, 50)
        sent = 0
        for row in await asyncio.to_thread(worker.rows, ids):
            try:
                await self._send(engine, row)
            except Unreachable as exc:
                await asyncio.to_thread(worker.skipped, row, str(exc))
                continue
            except Exception as exc:  # retried with backoff, then marked failed
                await asyncio.to_thread(worker.failed, row, exc)
                continue
            await asyncio.to_thread(worker.sent, row.id)
            sent += 1
        return sent

    async def _send(self, engine: Engine, row: OutboxMessage) -> None:
        """Teams when the person has talked to the bot there, else Slack by directory id;
        a triage channel is a Slack channel."""
        if row.recipient.startswith(SLACK_CHANNEL):
            if self.slack is None:
                raise Unreachable("Slack is not configured here")
            await self.slack.deliver(row.recipient.removeprefix(SLACK_CHANNEL), row)
            return
        target = await asyncio.to_thread(self.teams.reaches, engine, row)
        if target is not None:
            await self.teams.deliver(target, row)
            return
        if row.recipient.startswith(TEAMS_CHANNEL):
            raise Unreachable("the bot has not been added to this Teams channel")
        if self.slack is not None and (slack_user := self.slack.reaches(engine, row)):
            await self.slack.deliver(slack_user, row)
            return
        raise NoRoute(f"no Teams conversation or Slack id for {row.recipient}")

    # --- knowledge reload ------------------------------------------------------------------
    def reload_from_chat(self, turn) -> Reply:
        ok = self.reload()
        lang = turn.lang
        if ok:
            return Reply(
                "notice",
                self.engine.knowledge.message(
                    "reloaded", lang, version=self.engine.knowledge.version
                ),
                lang,
            )
        return Reply(
            "notice",
            turn.knowledge.message("reload_failed", lang, problems=self.last_reload_error[:2500]),
            lang,
        )

    def reload(self) -> bool:
        """Swap in freshly loaded knowledge, its models trained before the swap; keep
        serving the old one if it is broken. One reload at a time."""
        with self._reloading:
            return self._reload()

    def _reload(self) -> bool:
        try:
            knowledge = load_knowledge(self.settings.knowledge_dir, self.settings.intents_dir)
        except KnowledgeError as exc:
            log.error(
                "knowledge reload refused, still serving %s:\n%s",
                self.engine.knowledge.version,
                exc,
            )
            self.last_reload_error = str(exc)
            self._tell_admins(str(exc))
            return False
        engine = build_engine(knowledge, self.settings, clock=self.engine.desk.clock)
        warm_served(engine, self.settings)  # trained before the swap, not on a question
        engine.reload = self.reload_from_chat
        self.engine = engine
        self.scheduler.engine = engine
        log.info("knowledge reloaded: %s", knowledge.version)
        return True

    def _tell_admins(self, problems: str) -> None:
        now = self.engine.desk.clock.now()
        messages = [
            {
                "key": f"reload-failed:{org.id}:{admin}:{now.isoformat()}",
                "org": org.id,
                "recipient": admin,
                "payload": {
                    "text": f"Knowledge reload failed; the last good version "
                    f"keeps serving.\n{problems[:2500]}",
                    "choices": [],
                    "language": "en",
                },
            }
            for org in self.engine.knowledge.orgs.values()
            for admin in org.directory.admins()
        ]
        with self.engine.desk.sessions.begin() as session:
            enqueue_many(session, messages, now)


def check_configuration(settings: Settings) -> None:
    if settings.slack_bot_token and not settings.slack_signing_secret:
        raise ConfigurationError(
            "KOMBOT_SLACK_SIGNING_SECRET is required with a Slack bot "
            "token: unsigned Slack requests are never accepted"
        )
    if not settings.teams_app_id and not settings.teams_allow_no_auth:
        raise ConfigurationError(
            "Teams needs KOMBOT_TEAMS_APP_ID and KOMBOT_TEAMS_APP_PASSWORD. For local testing "
            "without authentication set KOMBOT_TEAMS_ALLOW_NO_AUTH=1 (never in production: "
            "the endpoint then accepts any request)"
        )
    if not settings.teams_app_id:
        log.warning(
            "TEAMS AUTHENTICATION IS OFF (KOMBOT_TEAMS_ALLOW_NO_AUTH=1): /api/messages "
            "accepts unauthenticated requests; for local testing only"
        )


def create_server(settings: Settings, scheduler_interval: float = 60.0) -> Server:
    knowledge = load_knowledge(settings.knowledge_dir, settings.intents_dir)
    engine = build_engine(knowledge, settings)
    warm_served(engine, settings)
    return Server(settings, engine, scheduler_interval)


def warm_served(engine: Engine, settings: Settings) -> None:
    """Load or train the model of every org this server answers for, now rather than on
    its first question."""
    served = {settings.org, *settings.slack_workspaces.values(), *settings.teams_tenants.values()}
    for org in sorted(served & set(engine.knowledge.orgs)):
        engine.warm(org)
