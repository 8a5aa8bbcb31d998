"""The Slack adapter: slack-bolt in HTTP mode (mounted in the web app) or Socket Mode, for one or many workspaces."""
