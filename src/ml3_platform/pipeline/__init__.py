"""Job handlers that ingest data and run the monitors.

Importing this package registers the handlers of the ``historical``,
``production``, ``task_target``, ``reference`` and ``kpi`` job groups, and
of ``retraining_report`` and ``model_version``.
"""

from ml3_platform.pipeline import ingestion, kpi, reference, retraining, versions

__all__ = ["ingestion", "kpi", "reference", "retraining", "versions"]

# The ``retrain`` job group: fire a model's retrain trigger.
from ml3_platform.pipeline import retrain_triggers

__all__ += ["retrain_triggers"]
