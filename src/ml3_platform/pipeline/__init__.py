"""Job handlers that ingest data and run the monitors.

Importing this package registers the handlers of the ``historical``,
``production``, ``task_target``, ``reference`` and ``kpi`` job groups.
"""

from ml3_platform.pipeline import ingestion, kpi, reference

__all__ = ["ingestion", "kpi", "reference"]
