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
    configuration: AgentAuthConfiguration = field(repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str] = os.environ):
        from microsoft_agents.activity import load_configuration_from_env
        from microsoft_agents.hosting.core import AgentAuthConfiguration

        from bot.channels.teams_tokens import BOT_FRAMEWORK_KEYS, default_issuers, entra_keys

        if settings.teams_app_id:
            tenant = settings.teams_app_tenant_id
            if settings.teams_app_type.lower() == "multitenant":
                tenant = tenant or MULTI_TENANT
            configuration = AgentAuthConfiguration(
                client_id=settings.teams_app_id,
                client_secret=settings.teams_app_password,
                tenant_id=tenant,
            )
        else:
            sdk = load_configuration_from_env(environ)["CONNECTIONS"]
            own = sdk.get(SERVICE_CONNECTION, {}).get("SETTINGS", {})
            configuration = AgentAuthConfiguration(**own, anonymous_allowed=not own)
        app_id = configuration.CLIENT_ID or ""
        tenant = configuration.TENANT_ID if configuration.TENANT_ID != MULTI_TENANT else None
        return cls(
            app_id=app_id,
            key_urls=settings.teams_signing_keys_urls or [BOT_FRAMEWORK_KEYS, entra_keys(tenant)],
            issuers=settings.teams_token_issuers or default_issuers(tenant),
            configuration=configuration,
        )

    def connections(self) -> MsalConnectionManager:
        """The SDK's token source for calls to the connector (unused without an app id)."""
        from microsoft_agents.authentication.msal import MsalConnectionManager

        return MsalConnectionManager({SERVICE_CONNECTION: self.configuration})


def teams_app_id(settings: Settings, environ: Mapping[str, str] = os.environ) -> str:
    """The Teams app id, without importing the SDK when nothing configures Teams."""
    if not settings.teams_app_id and not any(name.startswith(SDK_VARIABLES) for name in environ):
        return ""
    return TeamsAuth.from_settings(settings, environ).app_id
