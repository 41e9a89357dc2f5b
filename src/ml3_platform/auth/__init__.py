"""API keys and the current user."""

from ml3_platform.auth.dependencies import current_user
from ml3_platform.auth.keys import authenticate, hash_key, issue_key

__all__ = ["authenticate", "current_user", "hash_key", "issue_key"]
