"""Settings from the environment (prefix KOMBOT_) and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.understanding.cache import default_dir as default_cache_dir

_CHECKOUT = Path(__file__).resolve().parent.parent


def _default_dir(name: str) -> Path:
    """knowledge/ and intents/ beside the package (a checkout), else in the working dir."""
    beside = _CHECKOUT / name
    return beside if beside.is_dir() else Path.cwd() / name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KOMBOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    org: str = Field("region-midtjylland", description="the organisation served by default")
    knowledge_dir: Path = Field(default_factory=lambda: _default_dir("knowledge"))
    intents_dir: Path = Field(default_factory=lambda: _default_dir("intents"))
    model_cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="trained understanding models, one file per org and knowledge version",
    )
    max_message_chars: int = Field(4000, ge=100, description="longer questions are refused")
    database_url: str = Field(
        "sqlite:///kombot.db",
        validation_alias=AliasChoices("KOMBOT_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; postgresql+psycopg://… for several replicas",
    )
    sla_urgent_minutes: int = Field(15, ge=1, description="an urgent ticket escalates after")
    sla_normal_working_days: int = Field(2, ge=1, description="a normal ticket escalates after")
    retention_days: int = Field(90, ge=1, description="question texts are deleted after")

    # --- Slack (HTTP Events API; Socket Mode when an app token is set) -----------------
    slack_bot_token: str | None = Field(
        None, validation_alias=AliasChoices("KOMBOT_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN")
    )
    slack_signing_secret: str | None = Field(
        None, validation_alias=AliasChoices("KOMBOT_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET")
    )
    slack_app_token: str | None = Field(
        None, validation_alias=AliasChoices("KOMBOT_SLACK_APP_TOKEN", "SLACK_APP_TOKEN")
    )
    slack_api_url: str = "https://slack.com/api/"
    slack_workspaces: dict[str, str] = Field(
        default_factory=dict, description="Slack team id -> org id"
    )
    # --- Microsoft Teams (Microsoft 365 Agents SDK) -------------------------------------
    teams_app_id: str | None = Field(
        None, validation_alias=AliasChoices("KOMBOT_TEAMS_APP_ID", "MICROSOFT_APP_ID")
    )
    teams_app_password: str | None = Field(
        None, validation_alias=AliasChoices("KOMBOT_TEAMS_APP_PASSWORD", "MICROSOFT_APP_PASSWORD")
    )
    teams_app_type: str = "MultiTenant"
    teams_app_tenant_id: str | None = None
    teams_tenants: dict[str, str] = Field(
        default_factory=dict, description="Azure AD tenant id -> org id"
    )
    teams_allow_no_auth: bool = Field(False, description="local testing only")
    public_url: str = Field(
        "http://127.0.0.1:3978", description="where people reach `kombot serve` (dashboard links)"
    )
    teams_signing_keys_urls: list[str] = Field(
        default_factory=list,
        description="JWKS addresses of the token signers; default the Bot Framework's and Entra's",
    )
    teams_token_issuers: list[str] = Field(
        default_factory=list,
        description="accepted token issuers; default the Bot Framework and the bot's tenant",
    )
    teams_keys_timeout_seconds: float = Field(
        5.0, gt=0, description="the longest wait for the signing keys endpoint"
    )
    inbox_lease_seconds: float = Field(
        30.0, gt=0, description="a message taken by a worker that died is answered again after"
    )
    retry_base_seconds: float = Field(
        5.0, gt=0, description="first retry of a failed answer or delivery; doubles each time"
    )
    scheduler_interval_seconds: float = Field(
        60.0, gt=0, description="how often the scheduler looks for due nudges and escalations"
    )
    send_timeout_seconds: float = Field(
        15.0, gt=0, description="one delivery to Slack or Teams gives up (and retries) after"
    )
    worker_threads: int = Field(
        4,
        ge=1,
        le=32,
        description="messages a server or worker process answers at once "
        "(their database waits overlap)",
    )
