"""Runtime settings, read once from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Languages the bot speaks (catalogues in `locales/`).
SUPPORTED_LOCALES = ("en", "fr", "es", "it", "pt", "de", "uk")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment. Built once at start and passed down."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True,
        # A rejected value may be a secret: errors name the setting, never repeat what it was set to.
        hide_input_in_errors=True,
    )

    data_dir: Path = Field(default=Path("data"), validation_alias="ICC_DATA_DIR")
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    default_locale: str = Field(default="en", validation_alias="ICC_DEFAULT_LOCALE")
    time_zone: str = Field(default="Europe/Paris", validation_alias="ICC_TIME_ZONE")
    host: str = Field(default="127.0.0.1", validation_alias="HOST")
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="PORT")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: SecretStr | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_application_id: int | None = Field(default=None, ge=1, validation_alias="DISCORD_APPLICATION_ID")
    discord_guild_ids: str = Field(default="", validation_alias="DISCORD_GUILD_IDS")
    discord_sync_at_start: bool = Field(default=False, validation_alias="DISCORD_SYNC_AT_START")
    deepl_auth_key: SecretStr | None = Field(default=None, validation_alias="DEEPL_AUTH_KEY")
    deepl_server_url: str | None = Field(default=None, validation_alias="DEEPL_SERVER_URL")
    #: Keys that encrypt the secrets kept in the database (bot/secrets.py); comma-separated: the first
    #: encrypts, every one decrypts (rotation).
    secret_key: SecretStr | None = Field(default=None, validation_alias="ICC_SECRET_KEY")
    #: The day of the month the DeepL character quota renews (the account's billing day), told when it runs out.
    deepl_quota_renewal_day: int | None = Field(default=None, ge=1, le=31, validation_alias="DEEPL_QUOTA_RENEWAL_DAY")
    #: The month (1-12) from which cluster coordinators are asked for their cluster's report of the year.
    cluster_report_month: int = Field(default=11, ge=1, le=12, validation_alias="ICC_CLUSTER_REPORT_MONTH")
    #: The address people reach the web pages at (sign-in links point there); empty: http://HOST:PORT.
    public_url: str = Field(default="", validation_alias="ICC_PUBLIC_URL")
    #: "Sign in with Discord" on the web pages (OAuth2, scope identify): the application's secret.
    discord_client_secret: SecretStr | None = Field(default=None, validation_alias="DISCORD_CLIENT_SECRET")
    discord_api_url: str = Field(default="https://discord.com/api", validation_alias="DISCORD_API_URL")
    discord_authorize_url: str = Field(default="https://discord.com/oauth2/authorize",
                                       validation_alias="DISCORD_AUTHORIZE_URL")
    #: "Sign in with Slack" (OpenID Connect): where people are sent to agree (token and user info: SLACK_API_URL).
    slack_openid_authorize_url: str = Field(default="https://slack.com/openid/connect/authorize",
                                            validation_alias="SLACK_OPENID_AUTHORIZE_URL")
    #: How many role requests one person may send in a day (more are refused politely: a flood).
    role_requests_per_day: int = Field(default=3, ge=1, le=100, validation_alias="ICC_ROLE_REQUESTS_PER_DAY")
    #: Seconds a process has, after SIGTERM, to finish its work and leave (platforms SIGKILL about 30 s after).
    shutdown_grace: float = Field(default=25.0, ge=1, le=600, validation_alias="ICC_SHUTDOWN_GRACE")

    @field_validator(
        "slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_client_id",
        "slack_client_secret", "discord_token", "deepl_auth_key", "secret_key", "discord_client_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known IANA time zone (e.g. Europe/Lisbon)") from exc
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _slack_bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _slack_app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from bot.secrets import parse_keys

            parse_keys(value.get_secret_value())
        return value

    @field_validator("discord_guild_ids")
    @classmethod
    def _discord_guild_ids_shape(cls, value: str) -> str:
        ids = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if any(not part.isdigit() for part in ids):
            raise ValueError("must be Discord server ids separated by commas (e.g. 1234567890,2345678901)")
        return ",".join(ids)

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgres")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            # Heroku-style URLs name no driver; we use psycopg 3.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @property
    def effective_database_url(self) -> str:
        """The database to use: `DATABASE_URL`, or a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'icc-bot.sqlite3').as_posix()}"

    @property
    def slack_http_enabled(self) -> bool:
        """One workspace by token, or many by OAuth, over HTTP events."""
        return self.slack_signing_secret is not None and (
            self.slack_bot_token is not None or self.slack_oauth_enabled
        )

    @property
    def slack_oauth_enabled(self) -> bool:
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def web_address(self) -> str:
        """Where the web pages are reached, without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def secret_keys(self) -> list[str]:
        """The keys of `ICC_SECRET_KEY`, the one that encrypts first (empty: not set)."""
        from bot.secrets import parse_keys

        return parse_keys(self.secret_key.get_secret_value()) if self.secret_key is not None else []

    @property
    def settings_storing_secrets(self) -> list[str]:
        """The settings that switch on something keeping secrets in the database (they need `ICC_SECRET_KEY`)."""
        return ["SLACK_CLIENT_ID"] if self.slack_oauth_enabled else []

    @property
    def slack_socket_mode_enabled(self) -> bool:
        return self.slack_app_token is not None and self.slack_bot_token is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None

    @property
    def discord_guild_id_list(self) -> list[int]:
        """The Discord servers whose slash commands are synced at every start (empty: global commands)."""
        return [int(part) for part in self.discord_guild_ids.split(",") if part]

    @property
    def deepl_enabled(self) -> bool:
        return self.deepl_auth_key is not None

    @property
    def platforms(self) -> list[str]:
        """The chat platforms these settings switch on, in start order."""
        found = []
        if self.slack_http_enabled or self.slack_socket_mode_enabled:
            found.append("slack")
        if self.discord_enabled:
            found.append("discord")
        return found


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into one line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first.get("loc") else "setting"
        alias = Settings.model_fields.get(name)
        env_name = alias.validation_alias if alias and isinstance(alias.validation_alias, str) else name
        message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
        raise SettingsError(f"Setting {env_name} {message}".strip()) from None
