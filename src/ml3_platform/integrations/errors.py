"""The errors of using a customer's credentials.

Both are :class:`DomainError`, so a route that meets one answers 400 with its
code and message, and a job handler can fail the job with its message.
"""

from ml3_platform.services.errors import DomainError


class CredentialsError(DomainError):
    """The project has no usable credentials of the kind asked for."""


class CloudError(DomainError):
    """The customer's cloud refused or did not answer a call made for them.

    ``code`` names the provider and the step (``AWS_ASSUME_ROLE_FAILED``,
    ``GCP_PUBSUB_PUBLISH_FAILED`` …); ``message`` carries what the provider
    said, so the user can tell a wrong role from an unreachable endpoint.
    """
