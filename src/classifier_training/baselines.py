"""Non-CNN baselines, so the report shows what the CNN adds."""

from __future__ import annotations

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from classifier_training.data import Splits


def baseline_accuracies(splits: Splits, seed: int) -> dict[str, float]:
    """Test accuracy of a majority-class guess and of logistic regression on raw pixels."""
    flat_train = splits.x_train.reshape(len(splits.x_train), -1) / 255.0
    flat_test = splits.x_test.reshape(len(splits.x_test), -1) / 255.0
    majority = DummyClassifier(strategy="most_frequent").fit(flat_train, splits.y_train)
    logistic = LogisticRegression(max_iter=2000, random_state=seed).fit(flat_train, splits.y_train)
    return {
        "majority_class": float(np.mean(majority.predict(flat_test) == splits.y_test)),
        "logistic_regression": float(np.mean(logistic.predict(flat_test) == splits.y_test)),
    }
