"""Job handlers that ingest data and run the monitors.

Importing this package registers the handlers of the ``historical``,
``production``, ``task_target`` and ``reference`` job groups.
"""

from ml3_platform.pipeline import ingestion, reference

__all__ = ["ingestion", "reference"]
