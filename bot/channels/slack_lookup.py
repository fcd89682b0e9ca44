"""Slack user ids by e-mail (`users.lookupByEmail`), for people the directory lists without
a `slack_id`: cached, misses remembered for an hour, and paced to the method's rate-limit
tier (Tier 3, about 50 calls a minute) so a burst of notices never trips it."""

from __future__ import annotations

import asyncio
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

TIER_3_INTERVAL = 60 / 50  # seconds between two calls
FORGET_MISSES_AFTER = 3600  # seconds: someone may join the workspace


class SlackIds:
    def __init__(self, client: AsyncWebClient):
        self.client = client
        self.known: dict[str, str] = {}
        self._missing: dict[str, float] = {}
        self._lock = asyncio.Lock()
        self._next_call = 0.0

    async def of(self, email: str) -> str | None:
        """The Slack user id for this e-mail, or None when the workspace has no such user.
        A rate limit or an error raises, so the delivery tries again later."""
        if email in self.known:
            return self.known[email]
        if time.monotonic() - self._missing.get(email, -FORGET_MISSES_AFTER) < FORGET_MISSES_AFTER:
            return None
        async with self._lock:  # one call at a time, paced
            if email in self.known:
                return self.known[email]
            await asyncio.sleep(max(0.0, self._next_call - time.monotonic()))
            self._next_call = time.monotonic() + TIER_3_INTERVAL
            try:
                response = await self.client.users_lookupByEmail(email=email)
            except SlackApiError as exc:
                if exc.response.get("error") != "users_not_found":
                    raise
                self._missing[email] = time.monotonic()
                return None
        self.known[email] = response["user"]["id"]
        return self.known[email]
