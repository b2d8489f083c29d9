"""tf.data pipelines that stream batches from the decoded-image cache.

Only row numbers are shuffled; each batch's pixels are read from disk when it is needed, so
memory holds a few batches whatever the size of the dataset.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from classifier_training.cache import ImageCache

PREFETCH = 2


def _pixels(cache: ImageCache, rows: tf.Tensor) -> tf.Tensor:
    batch = tf.numpy_function(lambda r: cache.read(r), [rows], tf.uint8, stateful=False)
    batch.set_shape((None, *cache.spec.shape))
    return tf.cast(batch, tf.float32)


def images(cache: ImageCache, rows: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """Float 0-255 pixels of `rows`, in order, unlabelled: for prediction."""
    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(rows, dtype=np.int64))
    dataset = dataset.batch(batch_size).map(lambda r: _pixels(cache, r))
    return dataset.prefetch(PREFETCH)


def labelled(
    cache: ImageCache,
    rows: np.ndarray,
    classes: int,
    batch_size: int,
    seed: int | None = None,
    augmentation: Any = None,
) -> tf.data.Dataset:
    """(pixels, one-hot class) batches; shuffled each epoch when a seed is given, augmented if
    asked."""
    targets = tf.one_hot(tf.constant(cache.targets, dtype=tf.int64), classes)
    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(rows, dtype=np.int64))
    if seed is not None:
        dataset = dataset.shuffle(len(rows), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size).map(lambda r: (_pixels(cache, r), tf.gather(targets, r)))
    if augmentation is not None:
        dataset = dataset.map(
            lambda x, y: (tf.clip_by_value(augmentation(x, training=True), 0.0, 255.0), y)
        )
    return dataset.prefetch(PREFETCH)
