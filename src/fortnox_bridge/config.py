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

from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_ENV = "FORTNOX_BRIDGE_CONFIG"
#: Fortnox's WebSocket topics.
FORTNOX_TOPICS_URL = "wss://ws.fortnox.se/topics-v1"


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
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as text or as one JSON object per line."
    )

    # -- the engine -------------------------------------------------------------------------
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s) that encrypt tokens at rest (comma-separated: the first "
        "encrypts, all decrypt). Unset: a key file <data_dir>/secret.key (mode 0600), made with "
        "a new store and never replaced while encrypted data is stored.",
    )
    fortnox_client_id: str | None = Field(
        default=None,
        description="Client id of the bridge's Fortnox developer app. Unset (and no sandbox_url): "
        "the engine works against an in-process sandbox.",
    )
    fortnox_client_secret: SecretStr | None = Field(
        default=None, description="Client secret of the Fortnox developer app."
    )
    fortnox_redirect_uri: str | None = Field(
        default=None, description="Redirect URI registered for the app (authorization code)."
    )
    fortnox_api_url: str = Field(
        default="https://api.fortnox.se", description="Base URL of the Fortnox REST API."
    )
    fortnox_auth_url: str = Field(
        default="https://apps.fortnox.se", description="Base URL of Fortnox's OAuth endpoints."
    )
    rate_limit: str = Field(
        default="25/5",
        pattern=r"^\d+/\d+(\.\d+)?$",
        description="Requests per seconds per connection, e.g. 25/5 (Fortnox's budget).",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL: share each connection's rate-limit window between processes.",
    )
    workers: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Jobs (sweeps, pushes) run at once by `serve`, or by each `worker` process "
        "in the distributed mode.",
    )
    queue: Literal["embedded", "procrastinate"] = Field(
        default="embedded",
        description="Where jobs wait and run: embedded (asyncio workers inside `serve`) or "
        "procrastinate (a job queue in the PostgreSQL store, run by `worker` processes and by "
        "`serve` unless --no-worker).",
    )
    queue_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Distributed mode: how often an idle worker looks for jobs besides being "
        "woken by PostgreSQL notifications.",
    )
    queue_stalled_seconds: float = Field(
        default=20.0,
        ge=2,
        le=3600,
        description="Distributed mode: a worker whose heartbeat is older than this is taken "
        "for dead, and the job it was running is run again.",
    )
    sweep_spread_seconds: float = Field(
        default=0.0,
        ge=0,
        le=3600,
        description="Shift each tenant's sweep slots by a fixed random offset below this, so "
        "many tenants do not all start at :00 and :30.",
    )
    push_debounce_seconds: float = Field(
        default=0.2,
        ge=0,
        le=60,
        description="Quiet time after a host change before it is pushed (changes coming in a "
        "burst go as one push).",
    )
    push_max_delay_seconds: float = Field(
        default=1.0,
        ge=0,
        le=300,
        description="A host change is pushed at most this long after it arrived.",
    )

    # -- real time from Fortnox (WebSocket topics) --------------------------------------------
    realtime_enabled: bool = Field(
        default=True,
        description="Listen to Fortnox's WebSocket topics: a change in Fortnox is read at once "
        "instead of at the next sweep (one connection per Fortnox app, held by one process).",
    )
    realtime_url: str | None = Field(
        default=None,
        description="URL of Fortnox's WebSocket topics; unset: wss://ws.fortnox.se/topics-v1, "
        "or the standalone sandbox's /topics-v1 when sandbox_url is set (an in-process sandbox "
        "has no stream).",
    )
    realtime_topics: list[str] = Field(
        default_factory=list,
        description="Topics to listen to; empty: those the enabled flow families declare.",
    )
    realtime_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="The process holding an app's stream must renew its lease within this "
        "time, or another process takes the stream over.",
    )
    realtime_renew_seconds: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="How often the stream's holder renews its lease (and looks for tenants "
        "connected, disconnected or with renewed tokens).",
    )

    # -- the host API --------------------------------------------------------------------------
    api_max_body_bytes: int = Field(
        default=5_000_000,
        ge=1_000,
        le=100_000_000,
        description="Largest request body the host API accepts (413 above it).",
    )
    api_rate_limit: str = Field(
        default="600/60",
        pattern=r"^\d+/\d+(\.\d+)?$",
        description="Requests per seconds per API key, e.g. 600/60 (429 with Retry-After above).",
    )
    api_cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the host API (CORS); empty: CORS is off.",
    )
    idempotency_retention_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="How long the answer to a write with an Idempotency-Key is kept for replay.",
    )
    webhook_max_attempts: int = Field(
        default=8,
        ge=1,
        le=30,
        description="Delivery attempts per webhook event before it is marked failed.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long a webhook receiver may take to answer."
    )
    webhook_allow_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Internal networks (CIDR, e.g. 10.20.0.0/16) webhook receivers may be in; "
        "empty: public addresses only. Cloud metadata addresses and the bridge's own port stay "
        "refused.",
    )

    ledger_link_minutes: int = Field(
        default=15,
        ge=1,
        le=7 * 24 * 60,
        description="How long a signed link to a ledger document works, in minutes.",
    )

    # -- the admin web UI ------------------------------------------------------------------
    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=7 * 24 * 60,
        description="An admin UI session ends after this many minutes without a request.",
    )
    session_absolute_hours: int = Field(
        default=12,
        ge=1,
        le=30 * 24,
        description="An admin UI session ends this many hours after sign-in, used or not.",
    )

    # -- e-mail ---------------------------------------------------------------------------
    smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail to tenants' recipients; unset: none."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port.")
    smtp_username: str | None = Field(default=None, description="SMTP login, if required.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP link with STARTTLS.")
    mail_from: str = Field(
        default="fortnox-bridge@localhost", description="Sender address of the bridge's e-mail."
    )
    public_url: str | None = Field(
        default=None, description="URL of the bridge for links in e-mails (e.g. open problems)."
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
    def fortnox_mode(self) -> Literal["fortnox", "sandbox"]:
        """Where the engine finds Fortnox: the real one (an app is configured) or a sandbox."""
        return "fortnox" if self.fortnox_client_id and not self.sandbox_url else "sandbox"

    @property
    def effective_realtime_url(self) -> str | None:
        """Where the WebSocket topics are (``None``: nowhere to listen, an in-process
        sandbox)."""
        if self.realtime_url:
            return self.realtime_url
        if self.sandbox_url:
            base = self.sandbox_url.rstrip("/")
            return "ws" + base.removeprefix("http") + "/topics-v1"
        if self.fortnox_mode == "fortnox":
            return FORTNOX_TOPICS_URL
        return None

    def queue_problem(self) -> str | None:
        """Why the distributed mode cannot run on these settings (``None``: it can, or it is
        not chosen)."""
        if self.queue != "procrastinate":
            return None
        if not self.effective_database_url.startswith("postgresql"):
            return (
                "the distributed mode (queue=procrastinate) keeps its jobs in PostgreSQL, and "
                "the store is SQLite: set FORTNOX_BRIDGE_DATABASE_URL=postgresql+psycopg://"
                "user@host/db, or leave FORTNOX_BRIDGE_QUEUE unset (embedded)"
            )
        return None

    @property
    def effective_database_url(self) -> str:
        """The store URL: ``database_url`` or the SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fortnox-bridge.sqlite').as_posix()}"
