"""Python client of the ML3 Platform."""

__version__ = "0.1.0"
