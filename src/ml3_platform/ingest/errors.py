"""The one error of ingestion: a file the platform cannot take as it is."""


class IngestError(Exception):
    """A file that is unreadable or breaks the task's data schema.

    The message is for the user: it names the column and the first offending
    row, and becomes the job's error.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
