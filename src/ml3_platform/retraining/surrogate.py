"""The surrogate model family whose retrained performance the report bounds.

A report cannot know the user's model, so its bounds are for a stated
family trained on the suggested data: scikit-learn's histogram gradient
boosting with the settings below, a strong default for tabular data. The
user's own model does as well as this or better or worse; the bounds say
what a reasonable model of known capacity achieves on the suggestion.
"""

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from ml3_platform.retraining.density_ratio import Features, one_thread

SURROGATE_FAMILY = (
    "scikit-learn HistGradientBoosting (100 trees of at most 15 leaves, "
    "learning rate 0.1, no early stopping)"
)
_SETTINGS = {
    "max_iter": 100,
    "max_leaf_nodes": 15,
    "learning_rate": 0.1,
    "early_stopping": False,
}


def fit_surrogate(
    features: Features,
    target: np.ndarray,
    sample_weight: np.ndarray | None,
    classification: bool,
    seed: int = 0,
):
    """The surrogate trained on ``features`` → ``target`` with the weights.

    Rows with a zero weight are left out (they carry nothing).
    """
    family = HistGradientBoostingClassifier if classification else (
        HistGradientBoostingRegressor
    )
    model = family(
        categorical_features=np.array(features.categorical, dtype=bool),
        random_state=seed,
        **_SETTINGS,
    )
    rows = slice(None) if sample_weight is None else sample_weight > 0
    weight = None if sample_weight is None else sample_weight[rows]
    with one_thread():
        model.fit(features.values[rows], target[rows], sample_weight=weight)
    return model


def predict(model, values: np.ndarray) -> np.ndarray:
    with one_thread():
        return model.predict(values)
