"""Settings from the environment (prefix KOMBOT_) and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
