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
