"""The errors a service raises for an expected failure.

The API maps them to HTTP in one place (``ml3_platform.api.errors``):
``DomainError`` gives 400 and ``AuthError`` 401, both with the body
``{"error_code", "error_message"}`` that every client reads.
"""


class DomainError(Exception):
    """An expected failure: bad input, a missing entity, a broken rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class AuthError(DomainError):
    """The request carries no valid API key."""


def not_found(kind: str, entity_id: str) -> DomainError:
    """The one wording of "no such entity", also used for other tenants' ids."""
    code = kind.upper().replace(" ", "_")
    return DomainError(f"{code}_NOT_FOUND", f"{kind} {entity_id} not found")
