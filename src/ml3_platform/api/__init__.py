"""The REST API: ``create_app(settings)``."""

from ml3_platform.api.app import create_app

__all__ = ["create_app"]
