"""Settings from the environment (prefix KOMBOT_) and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_CHECKOUT = Path(__file__).resolve().parent.parent


def _default_dir(name: str) -> Path:
    """knowledge/ and intents/ beside the package (a checkout), else in the working dir."""
    beside = _CHECKOUT / name
    return beside if beside.is_dir() else Path.cwd() / name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOMBOT_", env_file=".env", extra="ignore")

    org: str = Field("region-midtjylland", description="the organisation served by default")
    knowledge_dir: Path = Field(default_factory=lambda: _default_dir("knowledge"))
    intents_dir: Path = Field(default_factory=lambda: _default_dir("intents"))
    max_message_chars: int = Field(4000, ge=100, description="longer questions are refused")
    database_url: str = Field(
        "sqlite:///kombot.db",
        validation_alias=AliasChoices("KOMBOT_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; postgresql+psycopg://… for several replicas",
    )
    sla_urgent_minutes: int = Field(15, ge=1, description="an urgent ticket escalates after")
    sla_normal_working_days: int = Field(2, ge=1, description="a normal ticket escalates after")
    retention_days: int = Field(90, ge=1, description="question texts are deleted after")
