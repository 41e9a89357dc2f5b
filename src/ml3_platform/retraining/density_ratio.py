"""Importance weights from a probabilistic classifier (discriminative ratio).

The weight of a pool sample ``z`` is the density ratio ``p_post(z) /
p_pool(z)``: how much more (or less) likely ``z`` is under the distribution
since the drift than under the pool it was drawn from. A classifier that
tells post-drift samples (label 1) from pool samples (label 0) estimates it
through Bayes' rule:

    p_post(z) / p_pool(z) = P(1 | z) / P(0 | z) · π₀ / π₁

with π the class priors of the classifier's training data; the classes are
weighted to equal totals here, so the prior factor is 1
(Qin, Biometrika 85(3), 1998; Bickel, Brückner and Scheffer, "Discriminative
learning under covariate shift", JMLR 10, 2009; Sugiyama, Suzuki and
Kanamori, *Density Ratio Estimation in Machine Learning*, CUP 2012, ch. 4).

Three choices make the estimate safe to hand to a user:

- **Cross-fitting.** Samples are split into folds; a sample's weight comes
  from a classifier trained on the other folds only, so a flexible
  classifier cannot memorise it (Chernozhukov et al., "Double/debiased
  machine learning", Econometrics J. 21, 2018). Post-drift samples that are
  also in the pool are not used as class 0; the pool's ratio follows from
  the mixture (see `importance_weights`).
- **Calibration.** The odds enter the ratio directly, so the probabilities
  must be calibrated: isotonic regression (Zadrozny and Elkan, KDD 2002),
  fitted by scikit-learn's ``CalibratedClassifierCV`` on folds inside the
  training part. On seeded Gaussian shifts it kept the weighted mean closer
  to the truth than Platt's sigmoid, which shrank the odds towards 1.
- **Clipping.** Probabilities are kept in ``[ε, 1-ε]`` and the weights are
  truncated at ``√n`` times their mean (`weights.clip_weights`).

The classifier is scikit-learn's histogram gradient boosting: it takes
missing values and categorical codes as they are and finds interactions,
which a concept drift (a change of ``P(y | x)``) shows up as once the
target is one of the features.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from ml3_platform.retraining.weights import clip_weights

# Probabilities closer to 0 or 1 than this are not trusted as odds.
PROBABILITY_FLOOR = 1e-3


@dataclass(frozen=True)
class Features:
    """A feature matrix: float64, NaN for missing; categorical columns hold
    integer codes (as floats) and are marked in ``categorical``."""

    values: np.ndarray
    categorical: tuple[bool, ...]

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[1] != len(self.categorical):
            raise ValueError("values must be (rows, columns), one flag per column")

    def __len__(self) -> int:
        return self.values.shape[0]


@dataclass(frozen=True)
class RatioSettings:
    folds: int = 5
    calibration_folds: int = 2
    # The cap on a weight, as a multiple of the mean; None is √n (Ionides).
    cap: float | None = None
    seed: int = 0
    trees: int = 100
    leaves: int = 7
    learning_rate: float = 0.05
    # "isotonic", "sigmoid", or None for the trees' own probabilities.
    calibration: str | None = "isotonic"


@dataclass(frozen=True)
class CrossFitted:
    """Clipped weights of the pool's rows, cross-fitted on ``folds``.

    ``weights[i]`` comes from the classifier that did not see row ``i``'s
    fold; ``by_fold[k]`` weighs every row with fold ``k``'s classifier, the
    one that never saw fold ``k``'s post-drift samples. A model scored on
    fold ``k`` must be trained with ``by_fold[k]``: the cross-fitted weights
    of the other folds come from classifiers that saw fold ``k`` as class 1,
    and would pull that model towards the very samples it is scored on.
    """

    weights: np.ndarray
    by_fold: np.ndarray
    folds: np.ndarray


def pool_folds(n_pool: int, settings: RatioSettings) -> np.ndarray:
    """A fold per pool row, balanced and seeded."""
    rng = np.random.default_rng(settings.seed)
    return rng.permutation(np.arange(n_pool) % settings.folds)


def importance_weights(
    pool: Features,
    post: Features,
    post_in_pool: np.ndarray | None = None,
    settings: RatioSettings = RatioSettings(),
) -> np.ndarray:
    """Clipped weights of the pool's samples for the post-drift distribution.

    ``post_in_pool[j]`` is the pool row of post-drift sample ``j``, or -1 when
    it is not in the pool (a post-drift sample without a target, say). The
    result has mean 1 over the pool.
    """
    return cross_fitted_weights(pool, post, post_in_pool, settings).weights


def cross_fitted_weights(
    pool: Features,
    post: Features,
    post_in_pool: np.ndarray | None = None,
    settings: RatioSettings = RatioSettings(),
    folds: np.ndarray | None = None,
) -> CrossFitted:
    """`importance_weights` with every fold's classifier's weights kept.

    ``folds`` (one per pool row) defaults to `pool_folds`.
    """
    _check(pool, post, settings)
    post_in_pool = _links(post, post_in_pool)
    if folds is None:
        folds = pool_folds(len(pool), settings)
    post_folds = _post_folds(folds, post_in_pool, settings)
    # The pool rows that are post-drift samples themselves (linked) stay out
    # of class 0, so no point is shown to the classifier with both labels:
    # the classifier estimates r = p_post / p_rest on the other pool rows.
    linked = np.zeros(len(pool), dtype=bool)
    linked[post_in_pool[post_in_pool >= 0]] = True
    rest = ~linked

    features = np.vstack([pool.values[rest], post.values])
    labels = np.r_[np.zeros(rest.sum()), np.ones(len(post))]
    sides = np.r_[folds[rest], post_folds]
    ratio = np.empty((settings.folds, len(pool)))
    with one_thread():
        for fold in range(settings.folds):
            train = sides != fold
            classifier = _classifier(pool.categorical, settings)
            balance = _balanced(labels[train])
            classifier.fit(features[train], labels[train], sample_weight=balance)
            # Classes weighted to equal totals: the calibrated odds are r.
            ratio[fold] = _odds(classifier, pool.values)

    # The pool mixes the rest and the linked post-drift samples:
    # p_pool = (n_rest p_rest + n_linked p_post) / n, so
    # p_post / p_pool = n r / (n_rest + n_linked r).
    n_rest, n_linked = rest.sum(), linked.sum()
    by_fold = len(pool) * ratio / (n_rest + n_linked * ratio)
    crossed = by_fold[folds, np.arange(len(pool))]
    return CrossFitted(
        weights=clip_weights(crossed, settings.cap),
        by_fold=np.stack([clip_weights(row, settings.cap) for row in by_fold]),
        folds=folds,
    )


def _balanced(labels: np.ndarray) -> np.ndarray:
    """Sample weights that give both classes the same total weight.

    A drift seen early has few post-drift samples; balanced classes keep
    the trees from spending their splits on the majority class, and make
    the calibrated odds the density ratio itself (equal priors).
    """
    positive = labels.mean()
    return np.where(labels == 1, 0.5 / positive, 0.5 / (1 - positive))


def one_thread():
    """Fit on one thread: the platform runs several jobs at once, and
    OpenMP threads competing for the same cores slow each fit many times."""
    return threadpool_limits(limits=1)


def _classifier(categorical: tuple[bool, ...], settings: RatioSettings):
    trees = HistGradientBoostingClassifier(
        # Small, slowly grown trees: a density ratio is usually smooth, and
        # over-confident odds become extreme weights.
        max_iter=settings.trees,
        max_leaf_nodes=settings.leaves,
        learning_rate=settings.learning_rate,
        min_samples_leaf=50,
        categorical_features=np.array(categorical, dtype=bool),
        early_stopping=False,
        random_state=settings.seed,
    )
    if settings.calibration is None:
        return trees
    return CalibratedClassifierCV(
        trees,
        method=settings.calibration,
        cv=settings.calibration_folds,
        ensemble=True,
    )


def _odds(classifier, values: np.ndarray) -> np.ndarray:
    probability = classifier.predict_proba(values)[:, 1]
    probability = np.clip(probability, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
    return probability / (1 - probability)


def _post_folds(
    folds: np.ndarray, post_in_pool: np.ndarray, settings: RatioSettings
) -> np.ndarray:
    """A fold per post-drift row: its pool row's when linked, else seeded."""
    rng = np.random.default_rng(settings.seed + 1)
    post_folds = rng.integers(0, settings.folds, size=len(post_in_pool))
    linked = post_in_pool >= 0
    post_folds[linked] = folds[post_in_pool[linked]]
    return post_folds


def _links(post: Features, post_in_pool: np.ndarray | None) -> np.ndarray:
    if post_in_pool is None:
        return np.full(len(post), -1, dtype=np.int64)
    links = np.asarray(post_in_pool, dtype=np.int64)
    if links.shape != (len(post),):
        raise ValueError("post_in_pool needs one entry per post-drift sample")
    return links


def _check(pool: Features, post: Features, settings: RatioSettings) -> None:
    if pool.categorical != post.categorical:
        raise ValueError("pool and post-drift samples need the same columns")
    smallest = 10 * settings.folds
    if len(pool) < smallest or len(post) < smallest:
        raise ValueError(
            f"density ratios need at least {smallest} samples on each side; "
            f"got {len(pool)} pool and {len(post)} post-drift samples"
        )
    if settings.folds < 2:
        raise ValueError("cross-fitting needs at least 2 folds")
