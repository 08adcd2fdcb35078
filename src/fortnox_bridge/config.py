"""The one settings object of fortnox-bridge.

Every setting can be given as an environment variable ``FORTNOX_BRIDGE_<NAME>`` or in an optional
TOML file (``FORTNOX_BRIDGE_CONFIG=/path/to/bridge.toml``, keys as the field names below).
Precedence,
strongest first: explicit arguments (CLI options), environment variables, the TOML file, defaults.
The full list with explanations is in ``docs/configuration.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_ENV = "FORTNOX_BRIDGE_CONFIG"


class Settings(BaseSettings):
    """Runtime configuration; see ``docs/configuration.md`` for every field."""

    model_config = SettingsConfigDict(env_prefix="FORTNOX_BRIDGE_", extra="forbid")

    data_dir: Path = Field(
        default=Path("./var"),
        description="Directory for the embedded SQLite database, the demo files and the sandbox.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: SQLite file "
        "<data_dir>/fortnox-bridge.sqlite. PostgreSQL: postgresql+psycopg://user@host/db",
    )
    sandbox_url: str | None = Field(
        default=None,
        description="Base URL of a standalone Fortnox sandbox; unset: the sandbox runs in-process.",
    )
    host: str = Field(default="127.0.0.1", description="Address the API and admin UI listen on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port of the API and admin UI.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING", description="Level of the log lines written to standard error."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Add the TOML file (if ``FORTNOX_BRIDGE_CONFIG`` names one) below the environment."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = os.environ.get(CONFIG_FILE_ENV)
        if toml_path:
            path = Path(toml_path)
            if not path.is_file():
                raise FileNotFoundError(
                    f"{CONFIG_FILE_ENV}={toml_path}: no such file; create it or unset the variable"
                )
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def effective_database_url(self) -> str:
        """The store URL: ``database_url`` or the SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fortnox-bridge.sqlite').as_posix()}"
