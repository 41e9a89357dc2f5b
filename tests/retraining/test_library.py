"""The retraining library on seeded data, with tolerances from the maths."""

import numpy as np
import pytest
from scipy.stats import norm

from ml3_platform.retraining import (
    Features,
    clip_weights,
    effective_sample_size,
    importance_weights,
    systematic_resample,
)
from ml3_platform.retraining.bounds import interval


def test_effective_sample_size_is_kish_formula():
    assert effective_sample_size(np.ones(50)) == pytest.approx(50)
    assert effective_sample_size(np.r_[1.0, np.zeros(9)]) == pytest.approx(1)
    # (1 + 1 + 2)² / (1 + 1 + 4)
    assert effective_sample_size(np.array([1.0, 1.0, 2.0])) == pytest.approx(16 / 6)
    # Scale-free.
    assert effective_sample_size(np.array([3.0, 3.0, 6.0])) == pytest.approx(16 / 6)


def test_clipping_caps_each_weight_and_keeps_mean_one():
    weights = np.r_[1000.0, np.ones(99)]
    clipped = clip_weights(weights)  # cap √100 = 10 times the mean

    assert clipped.mean() == pytest.approx(1)
    assert clipped.max() <= 10 * (1 + 1e-9)
    # One sample can hold at most cap/n of the weight.
    assert clipped.max() / clipped.sum() <= 0.1 + 1e-9
    assert np.all(np.diff(clipped[1:]) == 0)
    assert clip_weights(np.ones(16)) == pytest.approx(np.ones(16))


def test_clipping_refuses_empty_or_zero_weights():
    with pytest.raises(ValueError):
        clip_weights(np.zeros(5))
    with pytest.raises(ValueError):
        clip_weights(np.ones(4), cap=0.5)


@pytest.mark.parametrize("seed", range(5))
def test_systematic_resample_counts_are_floor_or_ceiling(seed):
    rng = np.random.default_rng(seed)
    weights = rng.exponential(size=300) * (rng.uniform(size=300) > 0.2)
    size = 1234

    counts = systematic_resample(weights, size, seed=seed)

    expected = size * weights / weights.sum()
    assert counts.sum() == size
    assert np.all(counts >= np.floor(expected) - 1e-9)
    assert np.all(counts <= np.ceil(expected) + 1e-9)
    assert np.all(counts[weights == 0] == 0)


def _gaussian_shift(seed: int, n_pool=8000, n_post=2000, shift=0.5):
    rng = np.random.default_rng(seed)
    pool = rng.normal(0, 1, (n_pool, 1))
    post = rng.normal(shift, 1, (n_post, 1))
    weights = importance_weights(Features(pool, (False,)), Features(post, (False,)))
    x = pool[:, 0]
    true = norm.pdf(x, shift, 1) / norm.pdf(x, 0, 1)
    return x, weights, true / true.mean()


@pytest.mark.parametrize("seed", [11, 12])
def test_weights_recover_a_gaussian_density_ratio(seed):
    """Pool N(0, 1), post-drift N(0.5, 1): the true ratio is exp(0.5x - 1/8).

    Sampling error alone: the weighted mean of x has se ≈ 1/√ESS ≈ 0.012
    (ESS ≈ 7,000), so it is negligible next to the tolerances, which are
    the accuracy asked of the estimator itself: the weighted mean recovers
    the shift to within 30% (|mean - 0.5| < 0.15); where the pool has data
    (|x| < 1.5), the median relative error of a weight is under 20%; and
    log-weights track the log-ratio (correlation > 0.85). Trees give a
    piecewise-constant ratio and isotonic calibration shrinks the extremes,
    which is what these margins allow for.
    """
    x, weights, true = _gaussian_shift(seed)

    assert abs(np.average(x, weights=weights) - 0.5) < 0.15
    central = np.abs(x) < 1.5
    relative = np.abs(weights[central] - true[central]) / true[central]
    assert np.median(relative) < 0.2
    assert np.corrcoef(np.log(weights), np.log(true))[0, 1] > 0.85


def test_cross_fitting_gives_seen_samples_no_extra_weight():
    """Post-drift samples that are also in the pool, from the pool's own
    distribution: the true ratio is 1 everywhere. A classifier that scored
    the samples it was trained on would push their weights up; cross-fitted,
    the linked samples' mean weight differs from the rest by sampling noise
    only (sd of a weight here < 0.5, so se of a mean of 1,000 < 0.02; the
    tolerance 0.1 is five of those)."""
    rng = np.random.default_rng(5)
    pool = rng.normal(0, 1, (5000, 3))
    linked = rng.choice(5000, size=1000, replace=False)
    weights = importance_weights(
        Features(pool, (False,) * 3), Features(pool[linked], (False,) * 3), linked
    )
    others = np.setdiff1d(np.arange(5000), linked)

    assert abs(weights[linked].mean() - weights[others].mean()) < 0.1


def test_accuracy_interval_is_the_binomial_normal_interval():
    """With each post-drift sample counting once, the delta-method se of
    accuracy is √(p(1-p)/n) exactly."""
    target = np.r_[np.ones(800), np.zeros(200)].astype(int)
    predicted = np.ones(1000, dtype=int)  # 80% right
    bounds = interval(target, predicted, np.ones(1000), "accuracy", 0.95)

    half = 1.959964 * np.sqrt(0.8 * 0.2 / 1000)
    assert bounds.estimate == pytest.approx(0.8)
    assert bounds.lower == pytest.approx(0.8 - half, rel=1e-5)
    assert bounds.upper == pytest.approx(0.8 + half, rel=1e-5)


def test_ratio_needs_samples_on_both_sides():
    few = Features(np.zeros((10, 1)), (False,))
    many = Features(np.zeros((500, 1)), (False,))
    with pytest.raises(ValueError, match="at least 50"):
        importance_weights(many, few)


def test_costs_follow_the_task_cost_model():
    from ml3_platform.retraining import binary_cost, multiclass_cost, regression_cost

    over_under = regression_cost(overestimation=2.0, underestimation=5.0)
    assert over_under(np.array([1.0, 1.0]), np.array([1.5, 0.0])) == pytest.approx(
        [1.0, 5.0]
    )
    fp_fn = binary_cost(false_positive=1.0, false_negative=10.0, positive=1)
    target, predicted = np.array([0, 1, 1, 0]), np.array([1, 0, 1, 0])
    assert list(fp_fn(target, predicted)) == [1.0, 10.0, 0.0, 0.0]
    per_class = multiclass_cost({0: 1.0, 2: 4.0})
    assert list(per_class(np.array([0, 1, 2]), np.array([1, 0, 0]))) == [1.0, 0.0, 4.0]
