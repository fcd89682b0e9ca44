"""Prometheus metrics of the server (its own registry, so tests can build several apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kombot_requests",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kombot_request_seconds",
            "Time to answer a request",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.tickets_open = Gauge(
            "kombot_tickets_open", "Open or claimed tickets", registry=self.registry
        )
        self.outbox_backlog = Gauge(
            "kombot_outbox_backlog", "Notifications not yet delivered", registry=self.registry
        )
        self.inbox = Gauge(
            "kombot_inbox_messages",
            "Acknowledged messages by state (pending and working: not yet answered; dead: "
            "failed every attempt, see `kombot inbox dead`)",
            ["state"],
            registry=self.registry,
        )
        self.scheduler_leader = Gauge(
            "kombot_scheduler_leader",
            "1 on the process that runs the scheduler",
            registry=self.registry,
        )
        self.scheduler_leaderless = Gauge(
            "kombot_scheduler_leaderless_seconds",
            "How long this process has known of no scheduler leader",
            registry=self.registry,
        )
