"""The web host (Procfile `web`): one ASGI app built from the routes the wiring collects; it knows no platform."""
