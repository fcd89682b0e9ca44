"""Checking the Bot Framework / Entra token on a Teams request before anything else runs.

The Agents SDK's own validator fetches signing keys with a blocking `PyJWKClient` (30 s
default timeout, in a thread) from addresses it hard-codes. Here keys are fetched with
aiohttp under a short timeout, cached by key id and refreshed in the background, so:
- a token signed with a cached key is checked without any network call;
- a token naming an unknown key id is refused at once (401) and wakes one rate-limited
  refresh, so a flood of forged tokens costs nothing and a hanging key endpoint never
  holds up a request;
- the addresses are settings, so tests serve keys from loopback.

PyJWT does the cryptography and the claim checks (signature, expiry, audience, issuer).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp
import jwt

log = logging.getLogger("kombot.teams.tokens")

BOT_FRAMEWORK_KEYS = "https://login.botframework.com/v1/.well-known/keys"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
LEEWAY = 300  # seconds of clock skew, as the Bot Framework allows


def entra_keys(tenant: str | None) -> str:
    return f"https://login.microsoftonline.com/{tenant or 'common'}/discovery/v2.0/keys"


def default_issuers(tenant: str | None) -> list[str]:
    """The Bot Framework's issuer, and Entra's for the bot's own tenant when it has one."""
    issuers = [BOT_FRAMEWORK_ISSUER]
    if tenant:
        issuers += [
            f"https://sts.windows.net/{tenant}/",
            f"https://login.microsoftonline.com/{tenant}/v2.0",
        ]
    return issuers


class SigningKeys:
    """The public keys that may sign a token, by key id, kept fresh in the background."""

    def __init__(
        self,
        urls: list[str],
        timeout: float = 5.0,
        refresh_every: float = 6 * 3600,
        retry_after: float = 60.0,
    ):
        self.urls = urls
        self.timeout = timeout
        self.refresh_every = refresh_every
        self.retry_after = retry_after  # the least time between two refreshes
        self.keys: dict[str, jwt.PyJWK] = {}
        self._last_attempt = -float("inf")
        self._refreshing: asyncio.Task | None = None
        self._background: asyncio.Task | None = None

    async def start(self) -> None:
        """Fetch once (bounded by the timeout), then keep refreshing in the background."""
        await self.refresh()
        self._background = asyncio.create_task(self._keep_fresh(), name="teams-signing-keys")

    async def stop(self) -> None:
        for task in (self._background, self._refreshing):
            if task is not None:
                task.cancel()

    def get(self, kid: str) -> jwt.PyJWK | None:
        """The cached key, or None; an unknown id wakes a refresh, but never waits for it."""
        key = self.keys.get(kid)
        if key is None:
            self._refresh_soon()
        return key

    def _refresh_soon(self) -> None:
        due = time.monotonic() - self._last_attempt >= self.retry_after
        if due and (self._refreshing is None or self._refreshing.done()):
            self._refreshing = asyncio.create_task(self.refresh(), name="teams-key-refresh")

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_every)
            await self.refresh()

    async def refresh(self) -> None:
        self._last_attempt = time.monotonic()
        fetched: dict[str, jwt.PyJWK] = {}
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for url in self.urls:
                fetched |= await self._fetch(http, url)
        if fetched:  # an endpoint that failed keeps its keys until the next success
            self.keys |= fetched

    async def _fetch(self, http: aiohttp.ClientSession, url: str) -> dict[str, jwt.PyJWK]:
        try:
            async with http.get(url) as response:
                response.raise_for_status()
                document = json.loads(await response.read())
            keys = jwt.PyJWKSet.from_dict(document).keys
        except TimeoutError:
            log.warning("teams signing keys: %s did not answer within %s s", url, self.timeout)
            return {}
        except (aiohttp.ClientError, ValueError, jwt.PyJWTError) as exc:
            log.warning("teams signing keys: could not fetch %s: %s", url, exc)
            return {}
        return {key.key_id: key for key in keys if key.key_id}


class TokenCheck:
    """A bearer token's claims, or None when it is not one our bot may trust."""

    def __init__(self, app_id: str, issuers: list[str], keys: SigningKeys):
        self.app_id = app_id
        self.issuers = issuers
        self.keys = keys

    def claims(self, authorization: str) -> dict | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            header = jwt.get_unverified_header(token.strip())
            key = self.keys.get(str(header.get("kid", "")))
            if key is None:
                return None
            decoded = jwt.decode(
                token.strip(),
                key=key.key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=self.issuers,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            log.info("teams token refused: %s", type(exc).__name__)
            return None
        return decoded
