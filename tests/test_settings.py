"""Settings fail fast with a message naming the variable to set; defaults select the embedded store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stakegraph.errors import ConfigError
from stakegraph.settings import Settings, load_settings
from stakegraph.store import EmbeddedStore, open_store


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No STAKEGRAPH_* variable and no .env file from the developer's machine."""
    for name in list(os.environ):
        if name.startswith("STAKEGRAPH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_select_embedded_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings()
    assert s.neo4j_uri is None and s.backend == "embedded"
    assert s.mode == "development" and s.key_roles() == {}
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(tmp_path / "data"))
    s = load_settings()
    assert s.embedded_path == tmp_path / "data" / "stakegraph.sqlite"
    with open_store(s) as store:
        assert isinstance(store, EmbeddedStore) and store.ping()
    assert (tmp_path / "data" / "stakegraph.sqlite").is_file()


def test_neo4j_uri_without_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAKEGRAPH_NEO4J_URI", "bolt://127.0.0.1:7687")
    with pytest.raises(ConfigError, match="STAKEGRAPH_NEO4J_PASSWORD") as info:
        load_settings()
    assert "STAKEGRAPH_NEO4J_AUTH=false" in str(info.value)
    monkeypatch.setenv("STAKEGRAPH_NEO4J_AUTH", "false")
    s = load_settings()
    assert s.backend == "neo4j" and s.neo4j_password is None
    monkeypatch.setenv("STAKEGRAPH_NEO4J_AUTH", "true")
    monkeypatch.setenv("STAKEGRAPH_NEO4J_PASSWORD", "pw")
    s = load_settings()
    assert s.neo4j_password is not None and s.neo4j_password.get_secret_value() == "pw"
    assert "pw" not in repr(s)  # secrets are not shown


@pytest.mark.parametrize("uri", ["http://127.0.0.1:7474", "127.0.0.1:7687", "bolt:/x", "file:///tmp/db"])
def test_bad_scheme(monkeypatch: pytest.MonkeyPatch, uri: str) -> None:
    monkeypatch.setenv("STAKEGRAPH_NEO4J_URI", uri)
    monkeypatch.setenv("STAKEGRAPH_NEO4J_AUTH", "false")
    with pytest.raises(ConfigError, match="STAKEGRAPH_NEO4J_URI") as info:
        load_settings()
    assert "bolt://" in str(info.value)


@pytest.mark.parametrize("uri", ["bolt://h:7687", "neo4j+s://h", "bolt+ssc://h:1", "neo4j://h"])
def test_good_schemes(monkeypatch: pytest.MonkeyPatch, uri: str) -> None:
    monkeypatch.setenv("STAKEGRAPH_NEO4J_URI", uri)
    monkeypatch.setenv("STAKEGRAPH_NEO4J_PASSWORD", "x")
    assert load_settings().neo4j_uri == uri


def test_production_needs_api_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAKEGRAPH_MODE", "production")
    with pytest.raises(ConfigError, match="STAKEGRAPH_API_KEYS"):
        load_settings()
    monkeypatch.setenv("STAKEGRAPH_API_KEYS", "s3cret:admin, r3ad:read")
    s = load_settings()
    assert s.key_roles() == {"s3cret": "admin", "r3ad": "read"}


@pytest.mark.parametrize("keys", ["s3cret", "s3cret:root", ":read", "a:read,b:superuser", "k:READ"])
def test_bad_key_role(monkeypatch: pytest.MonkeyPatch, keys: str) -> None:
    monkeypatch.setenv("STAKEGRAPH_API_KEYS", keys)
    with pytest.raises(ConfigError, match="STAKEGRAPH_API_KEYS") as info:
        load_settings()
    assert "KEY:ROLE" in str(info.value)


def test_bad_numbers_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAKEGRAPH_NEO4J_TIMEOUT_S", "0")
    with pytest.raises(ConfigError, match="STAKEGRAPH_NEO4J_TIMEOUT_S"):
        load_settings()


def test_overrides_and_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("STAKEGRAPH_MAX_DEPTH=4\n", encoding="utf-8")
    assert load_settings().max_depth == 4
    assert load_settings(max_depth=7).max_depth == 7
    assert isinstance(load_settings(), Settings)
