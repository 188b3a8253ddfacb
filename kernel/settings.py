"""Configuration from environment variables (prefix LIMS_); the defaults are the embedded single-machine setup."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

ServiceName = Literal["intake", "testing", "review", "reporting", "gateway"]


class Settings(BaseSettings):
    """Everything that differs between the embedded default and production."""

    model_config = SettingsConfigDict(env_prefix="LIMS_")

    var_dir: Path = ROOT / "var"
    # Embedded default only: seeds demo users and the demo catalogue. Off in production.
    demo: bool = True

    lab_name: str = "Laboratoire National de Contrôle des Médicaments"
    lab_address: str = "Madinat Al Irfane, Rabat, Maroc"
    lab_number_prefix: str = "LNCM"
    timezone: str = "Africa/Casablanca"
    # Separation of duties: may the reviewer of a sample's results also approve it? Off by default.
    allow_reviewer_as_approver: bool = False
    # Deadlines of an OOS investigation's phases, in days; a phase still open then is escalated.
    oos_phase_1_days: int = Field(default=5, ge=1, le=365)
    oos_phase_2_days: int = Field(default=30, ge=1, le=365)

    intake_address: str = "127.0.0.1:50051"
    testing_address: str = "127.0.0.1:50052"
    review_address: str = "127.0.0.1:50053"
    reporting_address: str = "127.0.0.1:50054"

    # Empty means a SQLite file under var_dir; production sets postgresql://... per service.
    intake_database_url: str = ""
    testing_database_url: str = ""
    review_database_url: str = ""
    reporting_database_url: str = ""
    gateway_database_url: str = ""

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    # The launcher's dev server only: 0 runs it headless.
    temporal_ui_port: int = 8233
    task_queue: str = "sample-lifecycle"

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"
    # Empty means a random key kept in var_dir/secret.key (embedded default).
    secret_key: str = ""
    token_ttl_minutes: int = 480
    # A web session ends this long after signing in (the browser is sent to sign in again).
    web_session_minutes: int = 480
    # This many consecutive failed password checks (sign-in or signature) lock the account for
    # lockout_minutes (21 CFR 11.300(d)); a success resets the count, an admin may unlock.
    lockout_failures: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    # A retained part is kept until the product's expiry date plus this many days (WHO TRS 957
    # §20.1: at least a year); without an expiry date, from the day it was retained.
    retention_days: int = Field(default=365, ge=0)
    # The mail server the worker sends the requesters' notices through (the rejection at
    # receipt). Empty host: nothing is sent, the notices wait in the outbox as "pending".
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "lims@localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    # Upgrade the connection with STARTTLS before the login and the message.
    smtp_starttls: bool = False

    def database_url(self, service: ServiceName) -> str:
        """The database URL of one service (each service owns its own database)."""
        url: str = getattr(self, f"{service}_database_url")
        if url:
            return url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.var_dir / f'{service}.db'}"

    def address(self, service: ServiceName) -> str:
        """host:port of one gRPC service."""
        address: str = getattr(self, f"{service}_address")
        return address


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
