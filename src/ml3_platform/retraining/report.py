"""A retraining report from arrays: weights, effective size, suggestion, bounds.

This is what the ``retraining_report`` job computes once it has read the
task's samples; the benchmark calls it directly.
"""

from dataclasses import dataclass, field

import numpy as np

from ml3_platform.retraining.bounds import (
    LOWER_IS_BETTER,
    BoundsRequest,
    Cost,
    Interval,
    cost_interval,
    held_out_predictions,
    interval,
)
from ml3_platform.retraining.density_ratio import (
    CrossFitted,
    Features,
    RatioSettings,
    cross_fitted_weights,
    pool_folds,
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
    # The weighting suggested (see `WEIGHTINGS`) and how many were compared.
    weighting: str = "importance"
    compared: int = 1


# The weightings a report compares when it has labelled post-drift samples.
# Shimodaira (J. Stat. Plan. Inference 90, 2000) flattens importance weights
# to w^λ, 0 ≤ λ ≤ 1, trading the bias of the unweighted fit (λ = 0) against
# the variance of the fully weighted one (λ = 1), and chooses λ by
# validation (importance-weighted cross-validation: Sugiyama, Krauledat and
# Müller, JMLR 8, 2007). With targets since the drift the validation needs
# no weights: the fold models are scored on the post-drift samples
# themselves. The two ends of the sample choice are compared too: the
# post-drift samples alone (no bias, fewest samples) and the samples from
# before the drift alone (the old model's data: most samples; it wins when
# the few post-drift targets are too noisy to learn more from).
WEIGHTINGS = ("importance", "flattened", "unweighted", "post-drift", "pre-drift")
FLATTENING = 0.5


def compute_report(data: RetrainingData, request: ReportRequest) -> ReportResult:
    folds = pool_folds(len(data.pool), request.ratio)
    fitted = _weights(data, request, folds)
    evaluation = _evaluation_weights(data, fitted.weights)
    bounds = BoundsRequest(
        metric=request.metric,
        classification=request.classification,
        confidence=request.confidence,
        resampled_size=request.resampled_size,
        seed=request.ratio.seed,
    )
    candidates = _candidates(data, fitted)
    scored = {}
    for name, (weights, by_fold) in candidates.items():
        predicted = held_out_predictions(
            data.pool, data.target, by_fold, folds, bounds
        )
        estimate = interval(
            data.target, predicted, evaluation, request.metric, request.confidence
        ).estimate
        scored[name] = (estimate, predicted)
    better = min if request.metric in LOWER_IS_BETTER else max
    chosen = better(scored, key=lambda name: scored[name][0])
    weights = clip_weights(candidates[chosen][0], request.ratio.cap)
    predicted = scored[chosen][1]

    # The chosen weighting's estimate is the best of several on the same
    # samples, so it leans optimistic; Bonferroni's level keeps the interval
    # valid whichever was chosen (every candidate's holds at once).
    confidence = 1 - (1 - request.confidence) / len(candidates)
    metric = interval(data.target, predicted, evaluation, request.metric, confidence)
    cost = None
    if request.cost is not None:
        per_prediction = cost_interval(
            data.target, predicted, evaluation, request.cost, confidence
        )
        cost = _plus(per_prediction, request.retraining_cost)
    counts = None
    if request.resampled_size is not None:
        size, seed = request.resampled_size, request.ratio.seed
        counts = systematic_resample(weights, size, seed)
    return ReportResult(
        weights=weights,
        effective_sample_size=effective_sample_size(weights),
        sample_counts=counts,
        metric=metric,
        cost=cost,
        joint=data.joint,
        weighting=chosen,
        compared=len(candidates),
    )


def _candidates(data: RetrainingData, fitted: CrossFitted) -> dict:
    """Each weighting as (weights, weights by fold); without post-drift
    targets there is nothing to validate on, so only the importance weights."""
    candidates = {"importance": (fitted.weights, fitted.by_fold)}
    linked = data.post_in_pool[data.post_in_pool >= 0]
    if not len(linked):
        return candidates
    candidates["flattened"] = (
        fitted.weights**FLATTENING,
        fitted.by_fold**FLATTENING,
    )
    post = np.zeros(len(data.target))
    post[linked] = 1.0
    fixed = {"unweighted": np.ones(len(post)), "post-drift": post}
    if post.sum() < len(post):
        fixed["pre-drift"] = 1.0 - post
    for name, weights in fixed.items():
        candidates[name] = (weights, np.broadcast_to(weights, fitted.by_fold.shape))
    return candidates


def _weights(data: RetrainingData, request: ReportRequest, folds) -> CrossFitted:
    pool, post = data.pool, data.post
    if data.joint and request.classification:
        by_class = _class_weights(data, request.ratio, folds)
        if by_class is not None:
            return by_class
    if data.joint:
        kind = request.classification
        pool = _with_target(pool, data.target, kind)
        post = _with_target(post, data.target[data.post_in_pool], kind)
    return cross_fitted_weights(pool, post, data.post_in_pool, request.ratio, folds)


def _class_weights(
    data: RetrainingData, ratio: RatioSettings, folds: np.ndarray
) -> CrossFitted | None:
    """Joint weights of a classification task, one class at a time.

    p_post(x, y) / p_pool(x, y) = p_post(x | y) / p_pool(x | y) ·
    P_post(y) / P_pool(y): within a class the classifier only has to tell
    inputs apart, where a joint classifier would have to find how the
    target interacts with each input (a concept drift is exactly such an
    interaction). None when a class has too few samples on either side.
    """
    post_target = data.target[data.post_in_pool]
    weights = np.zeros(len(data.target))
    by_fold = np.zeros((ratio.folds, len(data.target)))
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
            within = cross_fitted_weights(pool, post, links, ratio, folds[rows])
        except ValueError:
            return None
        prior = chosen.mean() / (len(rows) / len(data.target))
        weights[rows] = within.weights * prior
        by_fold[:, rows] = within.by_fold * prior
    return CrossFitted(
        weights=clip_weights(weights, ratio.cap),
        by_fold=np.stack([clip_weights(row, ratio.cap) for row in by_fold]),
        folds=folds,
    )


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
