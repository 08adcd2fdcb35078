from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from fortnox_bridge.config import Settings


def test_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORTNOX_BRIDGE_CONFIG", "FORTNOX_BRIDGE_DATA_DIR", "FORTNOX_BRIDGE_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.data_dir == Path("./var")
    assert settings.effective_database_url == "sqlite:///var/fortnox-bridge.sqlite"
    assert settings.sandbox_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.log_level == "WARNING"


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORTNOX_BRIDGE_PORT", "9001")
    monkeypatch.setenv("FORTNOX_BRIDGE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert settings.port == 9001
    assert settings.effective_database_url == "postgresql+psycopg://u@h/db"


def test_toml_file_is_read_below_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "bridge.toml"
    config.write_text('port = 8123\nhost = "0.0.0.0"\ndata_dir = "/srv/bridge"\n')
    monkeypatch.setenv("FORTNOX_BRIDGE_CONFIG", str(config))
    monkeypatch.setenv("FORTNOX_BRIDGE_HOST", "127.0.0.2")
    settings = Settings()
    assert settings.port == 8123
    assert settings.host == "127.0.0.2"  # environment beats the file
    assert settings.effective_database_url == "sqlite:////srv/bridge/fortnox-bridge.sqlite"


def test_explicit_arguments_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORTNOX_BRIDGE_PORT", "9001")
    assert Settings(port=8200).port == 8200


def test_missing_toml_file_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FORTNOX_BRIDGE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError, match=r"nope\.toml: no such file"):
        Settings()


def test_unknown_and_invalid_settings_are_rejected(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "bridge.toml"
    config.write_text("prot = 8000\n")
    monkeypatch.setenv("FORTNOX_BRIDGE_CONFIG", str(config))
    with pytest.raises(ValidationError, match="prot"):
        Settings()
    monkeypatch.delenv("FORTNOX_BRIDGE_CONFIG")
    with pytest.raises(ValidationError, match="port"):
        Settings(port=70000)


def test_engine_settings_default_to_the_sandbox_and_fortnox_s_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("FORTNOX_BRIDGE_CONFIG", "FORTNOX_BRIDGE_FORTNOX_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.fortnox_mode == "sandbox"
    assert (settings.rate_limit, settings.workers) == ("25/5", 4)
    assert (settings.push_debounce_seconds, settings.push_max_delay_seconds) == (0.2, 1.0)
    assert settings.smtp_host is None
    configured = Settings(fortnox_client_id="app", fortnox_client_secret="s3cret")
    assert configured.fortnox_mode == "fortnox"
    assert Settings(fortnox_client_id="app", sandbox_url="http://x").fortnox_mode == "sandbox"


def test_secrets_never_show_in_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORTNOX_BRIDGE_SECRET_KEY", "a-very-secret-key")
    monkeypatch.setenv("FORTNOX_BRIDGE_SMTP_PASSWORD", "smtp-pass")
    settings = Settings(fortnox_client_secret="app-secret")
    shown = repr(settings) + str(settings.model_dump())
    for secret in ("a-very-secret-key", "smtp-pass", "app-secret"):
        assert secret not in shown
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "a-very-secret-key"


@pytest.mark.parametrize(
    ("field", "value"),
    [("rate_limit", "fast"), ("workers", 0), ("sweep_spread_seconds", -1), ("log_format", "xml")],
)
def test_bad_engine_settings_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: value})


def test_every_setting_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    missing = [
        name
        for name in Settings.model_fields
        if f"`{name}`" not in text or f"FORTNOX_BRIDGE_{name.upper()}" not in text
    ]
    assert missing == []


def test_the_distributed_mode_needs_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORTNOX_BRIDGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("FORTNOX_BRIDGE_QUEUE", raising=False)
    assert Settings().queue == "embedded"
    assert Settings().queue_problem() is None
    monkeypatch.setenv("FORTNOX_BRIDGE_QUEUE", "procrastinate")
    problem = Settings().queue_problem()
    assert problem is not None
    assert "set FORTNOX_BRIDGE_DATABASE_URL=postgresql+psycopg://" in problem
    postgres = Settings(database_url="postgresql+psycopg://bridge@db/bridge")
    assert (postgres.queue, postgres.queue_problem()) == ("procrastinate", None)
    with pytest.raises(ValidationError, match="queue"):
        Settings(queue="celery")
