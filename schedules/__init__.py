"""Scheduled work: the APScheduler jobs the worker runs; jobs only call services."""
