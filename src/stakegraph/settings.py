"""The one settings class, read from ``STAKEGRAPH_*`` environment variables (and ``.env``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "stakegraph"


class Settings(BaseSettings):
    """stakegraph's settings. Every field is ``STAKEGRAPH_<FIELD>`` in the environment.

    With ``neo4j_uri`` unset the embedded store in ``data_dir`` is used.
    """

    model_config = SettingsConfigDict(env_prefix="STAKEGRAPH_", env_file=".env", extra="ignore")

    neo4j_uri: str | None = Field(None, description="Bolt URI, e.g. bolt://127.0.0.1:7687; unset = embedded store")
    neo4j_user: str = Field("neo4j", description="Neo4j user")
    neo4j_password: SecretStr | None = Field(None, description="Neo4j password (required when auth is on)")
    neo4j_database: str = Field("neo4j", description="Neo4j database name")
    neo4j_auth: bool = Field(True, description="Send credentials to Neo4j (false for the local test server)")
    neo4j_timeout_s: float = Field(30.0, gt=0, description="Transaction timeout for each Neo4j query")
    neo4j_max_retry_s: float = Field(
        5.0, ge=0, description="How long the driver retries a transaction after a transient error or an "
        "unreachable server; keep it below resolver_timeout_s so an outage answers 'store unavailable'"
    )
    data_dir: Path = Field(default_factory=_default_data_dir, description="Folder of the embedded store")
    mode: Mode = Field(Mode.DEVELOPMENT, description="development (GraphiQL, introspection) or production")
    api_keys: str = Field(
        "", description="Comma-separated KEY:ROLE pairs, ROLE in read/write/admin; empty = no auth (dev only)"
    )
    auth_required: bool = Field(False, description="Require an API key for reads too")
    cors_origins: str = Field("", description="Comma-separated allowed CORS origins")
    resolver_timeout_s: float = Field(10.0, gt=0, description="Cancel a GraphQL request after this long")
    max_depth: int = Field(10, ge=1)
    max_aliases: int = Field(15, ge=1)
    max_tokens: int = Field(2000, ge=10)
    max_cost: int = Field(50_000, ge=1, description="Max product of nested page sizes per query")
    response_cache_size: int = Field(
        256, ge=0, description="Read-query responses kept per graph version (LRU; 0 = off); a write empties it"
    )
    public_url: str = Field("", description="Base URL used in vizUrl links (empty = relative)")
    max_selections: int = Field(
        1000, ge=10, description="Max selections (fields, fragment spreads, inline fragments) written in one "
        "GraphQL document, checked before validation"
    )
    validation_budget_s: float = Field(
        0.5, gt=0, description="CPU seconds one GraphQL document may spend in validation and cost analysis"
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body in bytes (413 above; checked before reading it all)"
    )
    max_variables_bytes: int = Field(
        262_144, ge=256, description="Largest GraphQL variables object, in bytes of JSON"
    )
    max_json_depth: int = Field(
        32, ge=4, description="Deepest nesting of arrays/objects in a JSON request body (400 above)"
    )
    max_list_items: int = Field(
        1000, ge=1, description="Longest list in GraphQL variables or arguments (e.g. contagion shocks)"
    )
    max_concurrent_per_client: int = Field(
        16, ge=1, description="Requests one client (API key, else IP address) may have in progress (429 above)"
    )
    load_max_unpacked_bytes: int = Field(
        256 << 20, ge=1, description="Loader: an XLSX (zip) whose members unpack to more bytes is refused before "
        "it is opened (checked on the zip central directory)"
    )
    load_max_compression_ratio: float = Field(
        100.0, gt=1, description="Loader: an XLSX member over 1 MiB unpacked that is compressed more than this "
        "ratio is refused as a zip bomb"
    )
    load_max_columns: int = Field(16_384, ge=1, description="Loader: most columns in one file or sheet (Excel's limit)")
    load_max_row_bytes: int = Field(16 << 20, ge=1024, description="Loader: largest row (one line or record) in bytes")
    load_max_field_chars: int = Field(131_072, ge=64, description="Loader: longest value in one cell, in characters")
    load_max_id_chars: int = Field(256, ge=8, description="Loader: longest node or relationship id, in characters")
    load_max_json_depth: int = Field(
        8, ge=2, description="Loader: deepest nesting of [ and { in a JSON row (rows must be flat anyway)"
    )
    load_max_mapping_bytes: int = Field(1 << 20, ge=1024, description="Loader: largest YAML mapping file in bytes")
    load_max_mapping_nodes: int = Field(
        20_000, ge=100, description="Loader: most YAML values in a mapping once anchors/aliases are expanded"
    )
    spark_answers: bool = Field(
        True, description="Serve the answers kept by `stakegraph analyze NAME --engine spark` for the current "
        "graph version (same parameters) instead of recomputing them; their stamp says backend: spark"
    )
    reporting_currency: str = Field(
        "USD", pattern=r"^[A-Za-z]{3}$", description="ISO 4217 currency every sum of money is converted to "
        "(at the FX rate in force on the as-of date; load rates with `stakegraph fx load`)"
    )

    @field_validator("neo4j_uri")
    @classmethod
    def _uri_scheme(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        schemes = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")
        if not v.startswith(schemes):
            raise ValueError(
                f"STAKEGRAPH_NEO4J_URI={v!r} must start with one of {', '.join(schemes)}"
            )
        return v

    @model_validator(mode="after")
    def _secrets(self) -> Settings:
        if self.neo4j_uri and self.neo4j_auth and self.neo4j_password is None:
            raise ValueError(
                "STAKEGRAPH_NEO4J_PASSWORD is not set: set it to the Neo4j password, or set "
                "STAKEGRAPH_NEO4J_AUTH=false for a server without authentication (the local test server)"
            )
        if self.mode is Mode.PRODUCTION and not self.api_keys:
            raise ValueError(
                "STAKEGRAPH_API_KEYS is empty in production mode: set it to KEY:ROLE pairs, "
                "e.g. STAKEGRAPH_API_KEYS='s3cret:admin,r3ad:read'"
            )
        for pair in filter(None, (p.strip() for p in self.api_keys.split(","))):
            key, _, role = pair.partition(":")
            if not key or role not in ("read", "write", "admin"):
                raise ValueError(
                    f"STAKEGRAPH_API_KEYS entry {pair!r} must be KEY:ROLE with ROLE read, write or admin"
                )
        return self

    @property
    def backend(self) -> str:
        return "neo4j" if self.neo4j_uri else "embedded"

    @property
    def embedded_path(self) -> Path:
        return self.data_dir / "stakegraph.sqlite"

    def key_roles(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for pair in filter(None, (p.strip() for p in self.api_keys.split(","))):
            key, _, role = pair.partition(":")
            out[key] = role
        return out


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value raises :class:`stakegraph.errors.ConfigError` saying what to set."""
    from pydantic import ValidationError as PydValidationError

    from stakegraph.errors import ConfigError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except PydValidationError as e:
        lines = [
            f"  {'STAKEGRAPH_' + '_'.join(str(x) for x in err['loc']).upper() if err['loc'] else 'settings'}: "
            f"{err['msg']}"
            for err in e.errors()
        ]
        raise ConfigError("invalid stakegraph settings:\n" + "\n".join(lines)) from e
