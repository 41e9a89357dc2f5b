"""Bounds on the retrained model's metric and cost on post-drift data.

Cross-fitted estimate (the idea of importance-weighted cross-validation,
Sugiyama, Krauledat and Müller, JMLR 8, 2007): the pool is split into
folds; the surrogate (`surrogate.py`) is trained on the suggestion's data
in all folds but one and predicts the held-out fold, so each sample is
scored by a model that never saw it. The fold model's weights come from
the density-ratio classifier of the same fold, which never saw that
fold's post-drift samples either (`density_ratio.CrossFitted`). The
held-out predictions are then averaged over the post-drift distribution:

- with labelled post-drift samples (``evaluation`` given), over those
  samples, each counting once: an unbiased estimate that does not depend
  on how good the weights are;
- without them, over every pool sample with its importance weight
  (self-normalised importance sampling), which is right as far as the
  weights are.

The report compares several weightings on these estimates and keeps the
best (`report.WEIGHTINGS`); it asks for the interval at Bonferroni's level
so that the chosen one's holds. The interval is the estimate ± z·se at the
stated confidence, with se from the influence function of the metric (the
delta method): for weighted values vᵢ and per-sample influences ψᵢ,
se² = Σ vᵢ² ψᵢ² / (Σ vᵢ)². The fold models see (k-1)/k of the data, so the
bounds lean slightly towards pessimism for the model trained on all of it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from ml3_platform.retraining.density_ratio import Features
from ml3_platform.retraining.surrogate import fit_surrogate, predict
from ml3_platform.retraining.weights import systematic_resample

Cost = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Interval:
    estimate: float
    lower: float
    upper: float


@dataclass(frozen=True)
class BoundsRequest:
    """What to bound: the metric (``accuracy``, ``rmse``, ``rsquare``) of the
    surrogate trained on ``weights`` (or, with ``resampled_size``, on a
    systematic resample of that size), and optionally a per-sample cost."""

    metric: str
    classification: bool
    confidence: float = 0.95
    resampled_size: int | None = None
    cost: Cost | None = None
    seed: int = 0


def held_out_predictions(
    pool: Features,
    target: np.ndarray,
    by_fold: np.ndarray,
    folds: np.ndarray,
    request: BoundsRequest,
) -> np.ndarray:
    """For each pool sample, the prediction of a fold model that did not see it.

    The model for fold ``k`` is trained on the other folds with weights
    ``by_fold[k]`` (weights that did not see fold ``k`` either).
    """
    predictions = np.empty(len(pool), dtype=target.dtype)
    for fold in np.unique(folds):
        train = folds != fold
        weight = np.where(train, by_fold[fold], 0.0)
        if request.resampled_size is not None:
            weight = systematic_resample(weight, request.resampled_size, request.seed)
        model = fit_surrogate(pool, target, weight, request.classification)
        held_out = folds == fold
        predictions[held_out] = predict(model, pool.values[held_out])
    return predictions


def interval(
    target: np.ndarray,
    predicted: np.ndarray,
    value_weights: np.ndarray,
    metric: str,
    confidence: float,
) -> Interval:
    """The metric's estimate and interval from held-out predictions."""
    estimate, influence = _METRICS[metric](target, predicted, value_weights)
    return _interval(estimate, influence, value_weights, confidence, metric)


def cost_interval(
    target: np.ndarray,
    predicted: np.ndarray,
    value_weights: np.ndarray,
    cost: Cost,
    confidence: float,
) -> Interval:
    """Expected cost per prediction, with its interval."""
    values = np.asarray(cost(target, predicted), dtype=float)
    estimate = _mean(values, value_weights)
    return _interval(estimate, values - estimate, value_weights, confidence, "cost")


def _interval(estimate, influence, weights, confidence, metric) -> Interval:
    se = np.sqrt(np.sum(np.square(weights * influence))) / np.sum(weights)
    half = norm.ppf(0.5 + confidence / 2) * se
    low, high = _RANGES[metric]
    return Interval(
        estimate=float(estimate),
        lower=float(max(low, estimate - half)),
        upper=float(min(high, estimate + half)),
    )


def _mean(values: np.ndarray, weights: np.ndarray) -> float:
    return float(np.sum(weights * values) / np.sum(weights))


def _accuracy(target, predicted, weights):
    right = (predicted == target).astype(float)
    estimate = _mean(right, weights)
    return estimate, right - estimate


def _rmse(target, predicted, weights):
    squared = np.square(predicted.astype(float) - target.astype(float))
    mse = _mean(squared, weights)
    rmse = np.sqrt(mse)
    return rmse, (squared - mse) / (2 * max(rmse, 1e-12))


def _rsquare(target, predicted, weights):
    """R² = 1 - MSE/Var(y); its influence is -ψ_MSE/V + MSE·ψ_V/V²."""
    target = target.astype(float)
    squared = np.square(predicted.astype(float) - target)
    mse = _mean(squared, weights)
    centred = np.square(target - _mean(target, weights))
    variance = max(_mean(centred, weights), 1e-12)
    influence = -(squared - mse) / variance + mse * (centred - variance) / variance**2
    return 1 - mse / variance, influence


_METRICS = {"accuracy": _accuracy, "rmse": _rmse, "rsquare": _rsquare}
LOWER_IS_BETTER = frozenset({"rmse"})
_RANGES = {
    "accuracy": (0.0, 1.0),
    "rmse": (0.0, np.inf),
    "rsquare": (-np.inf, 1.0),
    "cost": (0.0, np.inf),
}


def regression_cost(overestimation: float, underestimation: float) -> Cost:
    """Cost per unit of error, by its sign (ours: the task's costs are read as
    the price of one unit of over- or under-estimation)."""

    def cost(target, predicted):
        error = predicted.astype(float) - target.astype(float)
        return np.where(error > 0, overestimation * error, -underestimation * error)

    return cost


def binary_cost(false_positive: float, false_negative: float, positive) -> Cost:
    """Cost of each wrong answer of a binary classifier."""

    def cost(target, predicted):
        false_pos = (predicted == positive) & (target != positive)
        false_neg = (predicted != positive) & (target == positive)
        return false_positive * false_pos + false_negative * false_neg

    return cost


def multiclass_cost(misclassification: dict) -> Cost:
    """The cost of misclassifying a sample of each true class."""

    def cost(target, predicted):
        per_class = np.array([misclassification.get(t, 0.0) for t in target])
        return per_class * (predicted != target)

    return cost
