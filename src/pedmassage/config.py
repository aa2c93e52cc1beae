"""One settings object for the whole application (environment prefix ``PEDMASSAGE_``).

Settings are read once per process through :func:`get_settings`; tests build their own
:class:`Settings` instead of mutating the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    """SQLite in the user's data directory: zero set-up for a single therapist or a pilot ward."""
    from platformdirs import user_data_dir

    data_dir = Path(user_data_dir("pedmassage", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'pedmassage.sqlite3'}"


class Settings(BaseSettings):
    """Everything an operator may set. Each field is documented in docs/operations.md."""

    model_config = SettingsConfigDict(env_prefix="PEDMASSAGE_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL; SQLite in the user data directory by default, "
        "postgresql+psycopg://… for a multi-site registry.",
    )
    demo: bool = Field(
        default=False,
        description="Demo mode: the app shows a banner saying all children are synthetic.",
    )
    policy_file: Path | None = Field(
        default=None,
        description="Program policy YAML overriding the shipped screening thresholds.",
    )
    sqlite_busy_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="How long a SQLite write waits for the lock before the request gets 503.",
    )
    idle_logout_minutes: int = Field(
        default=15,
        ge=1,
        le=720,
        description="A web login idle this long ends; the person logs in again.",
    )
    max_request_bytes: int = Field(
        default=1_048_576,
        ge=65_536,
        le=67_108_864,
        description="The largest request body accepted; a larger one gets 413.",
    )
    analytics_dir: Path | None = Field(
        default=None,
        description="Where the analytics snapshot (Parquet) for program reports is kept; by "
        "default beside a SQLite database, or in the user data directory for PostgreSQL.",
    )
    research_secret_file: Path | None = Field(
        default=None,
        description="The site secret (at least 32 random bytes) that keys pseudonyms and date "
        "shifts in de-identified exports; without it no export is made.",
    )
    research_min_cell: int = Field(
        default=5,
        ge=2,
        le=50,
        description="The smallest count a study's shared aggregate shows: smaller cells are "
        "suppressed; a request may ask for more, never fewer.",
    )
    host: str = Field(default="127.0.0.1", description="Address `pedmassage serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `pedmassage serve` binds to.")
    cds_issuers: dict[str, str] = Field(
        default_factory=dict,
        description="The CDS Hooks clients (EHRs) trusted to call the CDS services, as JSON: each "
        "JWT issuer (`iss`) with the URL or the file path of its JWK Set, e.g. "
        '{"https://ehr.example.org": "https://ehr.example.org/.well-known/jwks.json"}. '
        "Empty (the default): every hook call is refused with 401.",
    )
    cds_base_url: str | None = Field(
        default=None,
        description="The public base URL the EHR calls the CDS services at "
        "(https://pedmassage.example.org); a JWT's `aud` must be this plus "
        "/cds-services/<id>. By default the URL the request came to.",
    )
    cds_fetch_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=30,
        description="How long a CDS call waits for the EHR's FHIR server or a JWK Set URL.",
    )


def analytics_folder(settings: Settings) -> Path:
    """The snapshot folder for this database: one per database, never shared between two."""
    import hashlib

    from platformdirs import user_data_dir

    if settings.analytics_dir is not None:
        return settings.analytics_dir
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url.removeprefix("sqlite:///") + ".analytics")
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Path(user_data_dir("pedmassage", appauthor=False)) / "analytics" / digest


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
