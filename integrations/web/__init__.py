"""The ASGI web app (Procfile `web`): health check, Slack's HTTP endpoints, and routes other features mount."""
