"""The model the demo monitors: gradient-boosted trees trained on winter."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from ml3_platform.demo.flights import (
    CATEGORICAL_INPUTS,
    INPUTS,
    LATE,
    ON_TIME,
    TARGET,
)


@dataclass(frozen=True)
class DelayModel:
    """Predicts ``late`` or ``on_time`` from the inputs of a flight."""

    estimator: HistGradientBoostingClassifier
    categories: dict[str, list[str]]

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        late = self.estimator.predict(_features(frame, self.categories))
        return np.where(late == 1, LATE, ON_TIME)

    def accuracy(self, frame: pd.DataFrame) -> float:
        return float(np.mean(self.predict(frame) == frame[TARGET].to_numpy()))


def train(
    reference: pd.DataFrame, categories: dict[str, list[str]], seed: int = 0
) -> DelayModel:
    """Fit on the reference; ``categories`` fixes the codes of each category.

    Missing weather readings stay missing: the trees learn where to send them.
    """
    estimator = HistGradientBoostingClassifier(
        # Small trees: delays are noisy, and deeper ones only learn winter.
        max_iter=100,
        max_leaf_nodes=15,
        categorical_features="from_dtype",
        random_state=seed,
    )
    labels = (reference[TARGET] == LATE).astype(int)
    estimator.fit(_features(reference, categories), labels)
    return DelayModel(estimator=estimator, categories=categories)


def _features(frame: pd.DataFrame, categories: dict[str, list[str]]) -> pd.DataFrame:
    features = frame[list(INPUTS)].copy()
    for name in CATEGORICAL_INPUTS:
        features[name] = pd.Categorical(features[name], categories=categories[name])
    return features
