"""ICC Bot: the collaboration bot of the Intercultural Cities network."""

__version__ = "0.1.0"
