"""Logs as one JSON object per line, with the job and task ids of job logs.

``ML3_LOG_FORMAT=json`` chooses it for ``ml3 serve``, ``ml3 worker`` and
``ml3 deliver``; the job runner passes ``job_id``, ``task_id`` and
``job_group`` as extras.
"""

import json
import logging
from datetime import UTC, datetime

# Extras of a record that go into the JSON object when present.
FIELDS = ("job_id", "task_id", "job_group")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure(log_format: str) -> None:
    """Log INFO and above to stderr, as text or as JSON lines."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
