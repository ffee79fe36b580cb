"""warnd: humanitarian early-warning alert daemon."""

__version__ = "0.1.0"
