"""`compute_report`: which weighting it suggests and what its bounds hold."""

import numpy as np

from ml3_platform.retraining import (
    Features,
    ReportRequest,
    RetrainingData,
    compute_report,
    fit_surrogate,
)
from ml3_platform.retraining.density_ratio import cross_fitted_weights


def _flipped(seed: int, n_pre=3000, n_post=300):
    """Labels y = [x₁ + x₂ > 0] before the drift and the opposite after."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n_pre + n_post, 2))
    y = (x.sum(axis=1) > 0).astype(int)
    y[n_pre:] = 1 - y[n_pre:]
    pool = Features(x, (False, False))
    data = RetrainingData(
        pool=pool,
        target=y,
        post=Features(x[n_pre:], (False, False)),
        post_in_pool=np.arange(n_pre, n_pre + n_post),
    )
    fresh = rng.normal(0, 1, (4000, 2))
    return data, fresh, (fresh.sum(axis=1) <= 0).astype(int)


def test_a_flipped_concept_is_not_learned_from_the_old_samples():
    """Every pre-drift label is now wrong, so a model retrained on the
    suggestion must follow the post-drift samples. A noiseless linear
    boundary learned from 300 samples errs on a band of width O(1/300)
    around it; 0.9 leaves room for the trees' staircase. The pre-drift
    data alone would score about 0, the unweighted pool about 0.1."""
    data, fresh, truth = _flipped(3)
    report = compute_report(data, ReportRequest("accuracy", True, resampled_size=2000))

    assert report.compared == 5
    assert report.weighting not in ("pre-drift", "unweighted")
    counts = report.sample_counts.astype(float)
    model = fit_surrogate(data.pool, data.target, counts, True)
    measured = float(np.mean(model.predict(fresh) == truth))
    assert measured > 0.9
    assert report.metric.lower <= measured <= report.metric.upper


def test_without_post_drift_targets_only_importance_weights_are_offered():
    data, _, _ = _flipped(4)
    inputs_only = RetrainingData(
        pool=data.pool,
        target=data.target,
        post=data.post,
        post_in_pool=np.full(len(data.post), -1),
    )
    report = compute_report(inputs_only, ReportRequest("accuracy", True))

    assert (report.weighting, report.compared) == ("importance", 1)


def test_each_row_is_weighed_by_the_classifier_that_did_not_see_its_fold():
    """`weights[i]` and `by_fold[folds[i], i]` come from the same classifier;
    they differ only by the rescaling of clipping (one factor per fold's
    weights), so within a fold their ratio is one constant wherever no
    weight was capped."""
    rng = np.random.default_rng(6)
    pool = Features(rng.normal(0, 1, (3000, 2)), (False, False))
    post = Features(rng.normal(0.5, 1, (600, 2)), (False, False))
    fitted = cross_fitted_weights(pool, post)

    own = fitted.by_fold[fitted.folds, np.arange(len(pool))]
    ratio = fitted.weights / own
    assert fitted.by_fold.shape == (5, 3000)
    for fold in range(5):
        within = ratio[fitted.folds == fold]
        assert np.ptp(within) < 1e-6 * within.mean()
