"""ML3 Platform: an open, self-hostable ML monitoring platform."""

__version__ = "0.1.0"
