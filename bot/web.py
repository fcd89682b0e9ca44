"""One aiohttp application: Slack, Teams, the dashboard, health and metrics.

The requests only verify and commit to the inbox, then acknowledge. The background loops
(`bot.runtime.loops`) answer from the inbox and deliver the outbox on every replica that
answers (with `--workers N`, in the workers only); the scheduler runs on the one that
holds the leadership. Knowledge reloads without a restart
(SIGHUP, or an admin's chat command), all or nothing (`bot.runtime.reload`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bot.channels.slack_intake import SlackIntake
from bot.config import Settings
from bot.dashboard.web import Dashboard
from bot.metrics import Metrics
from bot.runtime.process import Runtime, served_engine
from bot.runtime.threads import Threads
from bot.storage.models import OutboxMessage, Ticket

log = logging.getLogger("kombot.web")
HEALTH_TIMEOUT = 0.5  # seconds: a database that answers slower than this is "degraded"


class Server(Runtime):
    """The HTTP front: Slack, Teams, /healthz and /metrics over one `Runtime`. Only here are
    requests taken in: a worker needs neither slack-bolt nor PyJWT."""

    def __init__(self, *args, **kwargs):  # as Runtime's
        super().__init__(*args, **kwargs)
        settings = self.settings
        self.slack_intake = (
            SlackIntake(settings, self.accept) if settings.slack_signing_secret else None
        )
        self.teams_intake = None
        if self.teams_served:  # PyJWT: only where Teams is served
            from bot.channels.teams_intake import TeamsIntake

            self.teams_intake = TeamsIntake(settings, self.current_engine, self.accept)

    @functools.cached_property
    def metrics(self) -> Metrics:
        return Metrics()

    @functools.cached_property
    def dashboard_threads(self) -> Threads:
        """The dashboard's own: a slow page never queues acks or answers behind it."""
        return Threads("dashboard", 2)

    def app(self) -> web.Application:
        dashboard = Dashboard(self.settings, self.current_engine, self.dashboard_threads.run)
        app = web.Application(middlewares=[self._measure, dashboard.headers])
        dashboard.add_routes(app)
        if self.slack_intake is not None:
            app.router.add_post("/slack/events", self.slack_intake.handle)
        if self.teams_intake is not None:
            app.router.add_post("/api/messages", self.teams_intake.handle)
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
            await asyncio.wait_for(self.quick.run(self._ping), HEALTH_TIMEOUT)
            database = "ok"
        except Exception as exc:  # report, do not crash the health check
            database = f"error: {type(exc).__name__}"
        body = {
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "knowledge": self.engine.knowledge.version,
            "knowledge_reload": "failed" if self.reloader.last_error else "ok",
            "scheduler": self.scheduler.role,
            "scheduler_leaderless_seconds": self.scheduler.leaderless_seconds,
        }
        return web.json_response(body, status=200 if database == "ok" else 503)

    def _ping(self) -> None:
        """Whether a message could be taken now: a write transaction (on SQLite, one that
        gets the write lock), since reading alone still works while writes are locked out."""
        with self.engine.desk.sessions.begin() as session:
            session.execute(text("SELECT 1"))

    async def metrics_page(self, request: web.Request) -> web.Response:
        def gauges() -> tuple[int, int, dict[str, int]]:
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
            return tickets, backlog, self.inbox.counts()

        with contextlib.suppress(Exception):  # the database is away: the rest still counts
            tickets, backlog, inbox = await asyncio.wait_for(self.quick.run(gauges), 2.0)
            self.metrics.tickets_open.set(tickets)
            self.metrics.outbox_backlog.set(backlog)
            for state in ("pending", "working", "dead"):
                self.metrics.inbox.labels(state).set(inbox.get(state, 0))
        self.metrics.scheduler_leader.set(1 if self.scheduler.role == "leader" else 0)
        self.metrics.scheduler_leaderless.set(self.scheduler.leaderless_seconds)
        return web.Response(
            body=generate_latest(self.metrics.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )

    async def _start(self, app: web.Application) -> None:
        if self.teams_intake is not None:
            await self.teams_intake.start()  # the token signers' keys: only a server checks
        await self.start()

    async def _shutdown(self, app: web.Application) -> None:
        if self.teams_intake is not None:
            await self.teams_intake.stop()
        await self.stop()
        self.dashboard_threads.close()


def create_server(settings: Settings, answer_here: bool = True) -> Server:
    return Server(
        settings,
        served_engine(settings, answering=answer_here),
        settings.scheduler_interval_seconds,
        answer_here,
    )
