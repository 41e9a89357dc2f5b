"""A retraining report from arrays: weights, effective size, suggestion, bounds.

This is what the ``retraining_report`` job computes once it has read the
task's samples; the benchmark calls it directly.
"""

from dataclasses import dataclass, field

import numpy as np

from ml3_platform.retraining.bounds import (
    BoundsRequest,
    Cost,
    Interval,
    cost_interval,
    held_out_predictions,
    interval,
)
from ml3_platform.retraining.density_ratio import (
    Features,
    RatioSettings,
    importance_weights,
)
from ml3_platform.retraining.weights import (
    clip_weights,
    effective_sample_size,
    systematic_resample,
)


@dataclass(frozen=True)
class RetrainingData:
    """Every stored sample with a target (the pool) and the post-drift samples.

    ``post_in_pool[j]`` is the pool row of post-drift sample ``j`` or -1.
    When every post-drift sample is in the pool (all have targets), the
    weights are for the joint distribution of inputs and target, so a
    change of ``P(y | x)`` moves them too; otherwise for the inputs alone.
    """

    pool: Features
    target: np.ndarray
    post: Features
    post_in_pool: np.ndarray

    @property
    def joint(self) -> bool:
        return bool(len(self.post_in_pool)) and bool(np.all(self.post_in_pool >= 0))


@dataclass(frozen=True)
class ReportRequest:
    metric: str
    classification: bool
    confidence: float = 0.95
    # None: a sample_weights suggestion; a size: a resampled_dataset one.
    resampled_size: int | None = None
    cost: Cost | None = None
    retraining_cost: float = 0.0
    ratio: RatioSettings = field(default_factory=RatioSettings)


@dataclass(frozen=True)
class ReportResult:
    weights: np.ndarray
    effective_sample_size: float
    # How often each pool sample appears in the resampled dataset, or None.
    sample_counts: np.ndarray | None
    metric: Interval
    # Expected cost per prediction plus the retraining cost, or None.
    cost: Interval | None
    joint: bool


def compute_report(data: RetrainingData, request: ReportRequest) -> ReportResult:
    weights = _weights(data, request)
    counts = None
    if request.resampled_size is not None:
        counts = systematic_resample(weights, request.resampled_size, request.ratio.seed)

    bounds = BoundsRequest(
        metric=request.metric,
        classification=request.classification,
        confidence=request.confidence,
        resampled_size=request.resampled_size,
        seed=request.ratio.seed,
    )
    predicted = held_out_predictions(data.pool, data.target, weights, bounds)
    evaluation = _evaluation_weights(data, weights)
    metric = interval(
        data.target, predicted, evaluation, request.metric, request.confidence
    )
    cost = None
    if request.cost is not None:
        per_prediction = cost_interval(
            data.target, predicted, evaluation, request.cost, request.confidence
        )
        cost = _plus(per_prediction, request.retraining_cost)
    return ReportResult(
        weights=weights,
        effective_sample_size=effective_sample_size(weights),
        sample_counts=counts,
        metric=metric,
        cost=cost,
        joint=data.joint,
    )


def _weights(data: RetrainingData, request: ReportRequest) -> np.ndarray:
    pool, post = data.pool, data.post
    if data.joint and request.classification:
        by_class = _class_weights(data, request.ratio)
        if by_class is not None:
            return by_class
    if data.joint:
        kind = request.classification
        pool = _with_target(pool, data.target, kind)
        post = _with_target(post, data.target[data.post_in_pool], kind)
    return importance_weights(pool, post, data.post_in_pool, request.ratio)


def _class_weights(data: RetrainingData, ratio: RatioSettings) -> np.ndarray | None:
    """Joint weights of a classification task, one class at a time.

    p_post(x, y) / p_pool(x, y) = p_post(x | y) / p_pool(x | y) ·
    P_post(y) / P_pool(y): within a class the classifier only has to tell
    inputs apart, where a joint classifier would have to find how the
    target interacts with each input (a concept drift is exactly such an
    interaction). None when a class has too few samples on either side.
    """
    post_target = data.target[data.post_in_pool]
    weights = np.zeros(len(data.target))
    for label in np.unique(data.target):
        rows = np.flatnonzero(data.target == label)
        chosen = post_target == label
        if not chosen.any():
            continue  # the class is gone since the drift: weight 0
        where = np.full(len(data.target), -1)
        where[rows] = np.arange(len(rows))
        links = where[data.post_in_pool[chosen]]
        pool = Features(data.pool.values[rows], data.pool.categorical)
        post = Features(data.post.values[chosen], data.post.categorical)
        try:
            within = importance_weights(pool, post, links, ratio)
        except ValueError:
            return None
        prior = chosen.mean() / (len(rows) / len(data.target))
        weights[rows] = within * prior
    return clip_weights(weights, ratio.cap)


def _with_target(features: Features, target: np.ndarray, categorical: bool):
    column = np.asarray(target, dtype=float).reshape(-1, 1)
    return Features(
        np.hstack([features.values, column]), (*features.categorical, categorical)
    )


def _evaluation_weights(data: RetrainingData, weights: np.ndarray) -> np.ndarray:
    """Labelled post-drift samples count once each; without any, every pool
    sample counts by its importance weight."""
    linked = data.post_in_pool[data.post_in_pool >= 0]
    if len(linked):
        indicator = np.zeros(len(weights))
        indicator[linked] = 1.0
        return indicator
    return weights


def _plus(bounds: Interval, constant: float) -> Interval:
    return Interval(
        bounds.estimate + constant, bounds.lower + constant, bounds.upper + constant
    )
