"""Who the Teams bot is, from kombot's settings or from the Agents SDK's own variables.

`KOMBOT_TEAMS_APP_ID`, `_APP_PASSWORD`, `_APP_TYPE` and `_APP_TENANT_ID` come first. When
the app id is not set there, the SDK's `CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*`
environment variables are read as the SDK documents them, so a deployment written for the
SDK's samples works unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:  # the SDK is imported only where Teams is served (~25 MB, 0.2 s)
    from microsoft_agents.authentication.msal import MsalConnectionManager
    from microsoft_agents.hosting.core import AgentAuthConfiguration

SERVICE_CONNECTION = "SERVICE_CONNECTION"
SDK_VARIABLES = "CONNECTIONS__"  # the prefix of the Agents SDK's own settings
MULTI_TENANT = "botframework.com"  # the Bot Framework's tenant for multi-tenant bots


@dataclass(frozen=True)
class TeamsAuth:
    app_id: str  # empty: no authentication (local testing only)
    key_urls: list[str]
    issuers: list[str]
    settings: Settings = field(repr=False)
    environ: Mapping[str, str] = field(repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str] = os.environ):
        """Who the bot is. The SDK is imported only when its own variables configure it:
        a server that only takes requests in never needs it."""
        from bot.channels.teams_tokens import BOT_FRAMEWORK_KEYS, default_issuers, entra_keys

        if settings.teams_app_id or not _sdk_configured(environ):
            app_id, tenant = settings.teams_app_id or "", _own_tenant(settings)
        else:
            configuration = _sdk_configuration(environ)
            app_id, tenant = configuration.CLIENT_ID or "", configuration.TENANT_ID
        tenant = tenant if tenant != MULTI_TENANT else None
        return cls(
            app_id=app_id,
            key_urls=settings.teams_signing_keys_urls or [BOT_FRAMEWORK_KEYS, entra_keys(tenant)],
            issuers=settings.teams_token_issuers or default_issuers(tenant),
            settings=settings,
            environ=environ,
        )

    def connections(self) -> MsalConnectionManager:
        """The SDK's token source for calls to the connector (unused without an app id)."""
        from microsoft_agents.authentication.msal import MsalConnectionManager
        from microsoft_agents.hosting.core import AgentAuthConfiguration

        settings = self.settings
        if settings.teams_app_id:
            configuration = AgentAuthConfiguration(
                client_id=settings.teams_app_id,
                client_secret=settings.teams_app_password,
                tenant_id=_own_tenant(settings),
            )
        else:
            configuration = _sdk_configuration(self.environ)
        return MsalConnectionManager({SERVICE_CONNECTION: configuration})


def _own_tenant(settings: Settings) -> str | None:
    tenant = settings.teams_app_tenant_id
    if settings.teams_app_type.lower() == "multitenant":
        tenant = tenant or MULTI_TENANT
    return tenant


def _sdk_configured(environ: Mapping[str, str]) -> bool:
    return any(name.startswith(SDK_VARIABLES) for name in environ)


def _sdk_configuration(environ: Mapping[str, str]) -> AgentAuthConfiguration:
    """The service connection as the SDK reads its own variables."""
    from microsoft_agents.activity import load_configuration_from_env
    from microsoft_agents.hosting.core import AgentAuthConfiguration

    sdk = load_configuration_from_env(environ)["CONNECTIONS"]
    own = sdk.get(SERVICE_CONNECTION, {}).get("SETTINGS", {})
    return AgentAuthConfiguration(**own, anonymous_allowed=not own)


def teams_app_id(settings: Settings, environ: Mapping[str, str] = os.environ) -> str:
    """The Teams app id, without importing the SDK when nothing configures Teams."""
    if not settings.teams_app_id and not _sdk_configured(environ):
        return ""
    return TeamsAuth.from_settings(settings, environ).app_id
