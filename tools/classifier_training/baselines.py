"""Non-neural baselines, so the report shows what the network adds.

Features are the cached pixels pooled down to at most 16x16 (the 8x8 digits stay raw), and at
most 5,000 training images are used, so the baselines' memory is bounded whatever the dataset.
"""

from __future__ import annotations

import numpy as np

from classifier_training.cache import ImageCache
from classifier_training.data import Splits

MAX_SIDE = 16
MAX_TRAIN = 5000


def _features(cache: ImageCache, rows: np.ndarray) -> np.ndarray:
    height, width, channels = cache.spec.shape
    step = max(1, -(-max(height, width) // MAX_SIDE))
    out = []
    for pixels in cache.chunks(rows):
        crop = pixels[:, : height - height % step, : width - width % step].astype(np.float32)
        n, h, w = crop.shape[0], crop.shape[1] // step, crop.shape[2] // step
        pooled = crop.reshape(n, h, step, w, step, channels).mean(axis=(2, 4))
        out.append(pooled.reshape(n, -1) / 255.0)
    return np.concatenate(out)


def baseline_accuracies(cache: ImageCache, splits: Splits, seed: int) -> dict[str, float]:
    """Test accuracy of a majority-class guess and of logistic regression on pooled pixels."""
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    train = splits.train
    if len(train) > MAX_TRAIN:
        train = np.sort(np.random.default_rng(seed).choice(train, MAX_TRAIN, replace=False))
    x_train, y_train = _features(cache, train), cache.targets[train]
    x_test, y_test = _features(cache, splits.test), cache.targets[splits.test]
    majority = DummyClassifier(strategy="most_frequent").fit(x_train, y_train)
    logistic = LogisticRegression(max_iter=2000, random_state=seed).fit(x_train, y_train)
    return {
        "majority_class": float(np.mean(majority.predict(x_test) == y_test)),
        "logistic_regression": float(np.mean(logistic.predict(x_test) == y_test)),
    }
