"""The client's exceptions: one tree under :class:`SDKClientException`.

Every failure the client reports is an instance of ``SDKClientException``
(protocol §5 names the classes). The exception carries the platform's
``error_code`` and ``error_message``; when it comes from an HTTP answer it
also carries ``status_code``.
"""

DEFAULT_ERROR_CODE = "UNEXPECTED"
DEFAULT_ERROR_MESSAGE = "An unexpected error occurred"


class SDKClientException(Exception):
    """Base of every error raised by :class:`ML3PlatformClient`.

    Built with one positional argument, that text becomes ``error_code``, as
    in the published client (protocol §5).
    """

    def __init__(
        self,
        error_code: str = DEFAULT_ERROR_CODE,
        error_message: str = DEFAULT_ERROR_MESSAGE,
        *,
        status_code: int | None = None,
    ) -> None:
        super().__init__(error_code, error_message)
        self.error_code = error_code
        self.error_message = error_message
        self.status_code = status_code

    def __str__(self) -> str:
        return f"{self.error_code}: {self.error_message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(error_code={self.error_code!r}, "
            f"error_message={self.error_message!r})"
        )


class InvalidClientConfigurationException(SDKClientException):
    """The client was built with an empty ``url`` or ``api_key``."""


class TransportException(SDKClientException):
    """The platform could not be reached, or the connection failed."""


class InvalidResponseException(SDKClientException):
    """A 200 answer whose body is not the shape the call expects."""


class CreateCompanyException(SDKClientException):
    pass


class UpdateCompanyException(SDKClientException):
    pass


class CreateProjectException(SDKClientException):
    pass


class UpdateProjectException(SDKClientException):
    pass


class CreateTaskException(SDKClientException):
    pass


class UpdateTaskException(SDKClientException):
    pass


class CreateModelException(SDKClientException):
    pass


class AddDataSchemaException(SDKClientException):
    pass


class UpdateDataSchemaException(SDKClientException):
    pass


class AddHistoricalDataException(SDKClientException):
    pass


# The reference documents add_target_data as raising AddHistoricalDataException;
# subclassing keeps code written against either document working.
class AddTargetDataException(AddHistoricalDataException):
    pass


class SetModelReferenceException(SDKClientException):
    pass


class SetModelSuggestionTypeException(SDKClientException):
    pass


class UpdateModelVersionException(SDKClientException):
    pass


class AddProductionDataException(SDKClientException):
    pass


class ComputeRetrainingReportException(SDKClientException):
    pass


class GetRetrainingReportException(SDKClientException):
    pass


class JobWaitTimeoutException(SDKClientException):
    pass


class JobNotFoundException(SDKClientException):
    pass


class JobFailureException(SDKClientException):
    pass


class CreateDetectionEventRuleException(SDKClientException):
    pass


# The reference documents update_detection_event_rule as raising the create
# exception; see AddTargetDataException.
class UpdateDetectionEventRuleException(CreateDetectionEventRuleException):
    pass


class CreateKPIException(SDKClientException):
    pass


class AddKPIDataException(SDKClientException):
    pass


class InvalidActionList(SDKClientException):
    """A rule's action list failed the client-side check (protocol §2.10)."""


# The reference's names for two of the classes above.
AddModelReferenceException = SetModelReferenceException
CreateKpiException = CreateKPIException
