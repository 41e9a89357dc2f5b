"""Retraining statistics: a pure library (arrays in, results out).

After a drift, which stored samples should a model be retrained on, and how
much should each weigh? `compute_report` answers with importance weights for
the post-drift distribution (`density_ratio`), their effective sample size
and weighted resample (`weights`), and bounds on the metric and cost of a
surrogate model retrained on them (`bounds`, `surrogate`). No SQL, HTTP or
files: the ``retraining_report`` job reads the samples and stores the result.
"""

from .bounds import Interval, binary_cost, multiclass_cost, regression_cost
from .density_ratio import Features, RatioSettings, importance_weights
from .report import ReportRequest, ReportResult, RetrainingData, compute_report
from .surrogate import SURROGATE_FAMILY, fit_surrogate
from .weights import clip_weights, effective_sample_size, systematic_resample

__all__ = [
    "SURROGATE_FAMILY",
    "Features",
    "Interval",
    "RatioSettings",
    "ReportRequest",
    "ReportResult",
    "RetrainingData",
    "binary_cost",
    "clip_weights",
    "compute_report",
    "effective_sample_size",
    "fit_surrogate",
    "importance_weights",
    "multiclass_cost",
    "regression_cost",
    "systematic_resample",
]
