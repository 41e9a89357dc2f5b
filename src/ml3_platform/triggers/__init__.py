"""Retrain triggers: the request message and its publishers, one per cloud.

:func:`publish` sends a :class:`RetrainRequest` to a model's trigger with the
project's credentials; the service (``services.retrain_triggers``) and the
``retrain`` job handler (``pipeline.retrain_triggers``) decide when.
"""

from ml3_platform.triggers.message import RetrainRequest
from ml3_platform.triggers.publishers import publish

__all__ = ["RetrainRequest", "publish"]
