"""The pretrained recipe for EfficientNet-Lite, designed for CPUs.

The bottom of the network (up to the last stride-16 block) is frozen and runs once per
training image in four views (the image, its mirror image, two seeded crops), into the feature
store. Phase 1 trains the classifier on pooled embeddings of the image and its mirror image;
phase 2 fine-tunes the blocks above the cache, the head convolution and the classifier on one
view per image per epoch, with BatchNorm statistics kept as pretrained. Neither phase ever
runs the bottom again, so an epoch costs only the top of the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from classifier_training.cache import ImageCache
from classifier_training.data import Splits
from classifier_training.efficientnet_lite import LiteLayers
from classifier_training.embeddings import LiteEmbedder
from classifier_training.feature_store import CROP_SIDES, VIEWS, FeatureStore
from classifier_training.fit import Phase, Training, compile_model, run_phase
from classifier_training.models import Built
from classifier_training.plan import Schedule
from image_classifier.preprocessing import InputSpec

DROPOUT = 0.2
TRAIN_VIEWS = tuple(VIEWS)  # the image, its mirror image and two random crops
HEAD_VIEWS = ("original", "mirror")


@dataclass
class LiteNetwork:
    embedder: LiteEmbedder
    dropout: keras.layers.Layer
    classifier: keras.layers.Layer

    @property
    def layers(self) -> LiteLayers:
        return self.embedder.layers

    def model(self, spec: InputSpec) -> keras.Model:
        """The whole network on raw pixels: what is evaluated and exported."""
        inputs = keras.Input(shape=spec.shape, name="image")
        outputs = self.classifier(self.dropout(self.layers.apply(inputs)))
        return keras.Model(inputs, outputs, name=f"efficientnet_lite_{spec.height}")


def _sampled_views(x: np.ndarray, y: np.ndarray, batch: int, seed: int) -> tf.data.Dataset:
    """(N, views, ...) activations: each epoch, every image once, as one of its views drawn
    at random; the array is held once, and batches are gathered from it."""
    activations = tf.constant(x)
    labels = tf.constant(y)
    views = x.shape[1]

    def gather(index: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        chosen = tf.random.uniform((), 0, views, dtype=tf.int64, seed=seed)
        return tf.cast(activations[index, chosen], tf.float32), labels[index]

    data = tf.data.Dataset.range(len(x)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return data.map(gather).batch(batch).prefetch(2)


def _batches(x: np.ndarray, y: np.ndarray, batch: int, seed: int | None) -> tf.data.Dataset:
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if seed is not None:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch).map(lambda a, b: (tf.cast(a, tf.float32), b)).prefetch(2)


def _set_trainable(network: LiteNetwork, first_block: int) -> int:
    """Blocks from `first_block` up, the head and the classifier train; BatchNorm never does."""
    trainable = 0
    prefixes = (*tuple(f"block{b.index}_" for b in network.layers.blocks[first_block:]), "head_")
    for name, layer in network.layers.layers.items():
        layer.trainable = name.startswith(prefixes) and not isinstance(
            layer, keras.layers.BatchNormalization
        )
        trainable += bool(layer.trainable and layer.weights)
    return trainable


def train(
    embedder: LiteEmbedder,
    n_classes: int,
    cache: ImageCache,
    splits: Splits,
    schedule: Schedule,
    batch_size: int,
    seed: int,
) -> tuple[Built, Training, FeatureStore]:
    network = LiteNetwork(
        embedder,
        keras.layers.Dropout(DROPOUT, name="dropout"),
        keras.layers.Dense(n_classes, activation="softmax", name="probabilities"),
    )
    layers, split = embedder.layers, embedder.split
    store = embedder.store(cache)
    train_acts = embedder.activations(store, cache, splits.train, TRAIN_VIEWS)
    val_acts = embedder.activations(store, cache, splits.validation)[:, 0]
    targets = cache.targets[splits.train]
    y_train = keras.utils.to_categorical(targets, n_classes)
    y_val = keras.utils.to_categorical(cache.targets[splits.validation], n_classes)
    top_in = embedder.top_input
    training = Training(
        augmentation={
            "enabled": True,
            "views": list(TRAIN_VIEWS),
            "head": f"every image as {' and '.join(HEAD_VIEWS)}",
            "fine-tune": "one view per image per epoch, drawn at random",
            "crop_side": list(CROP_SIDES),
        }
    )
    head_views = train_acts[:, : len(HEAD_VIEWS)]
    training.phases.append(
        _head_phase(
            network,
            embedder.pool(head_views.reshape(-1, *head_views.shape[2:])),
            np.repeat(y_train, len(HEAD_VIEWS), axis=0),
            embedder.pool(val_acts),
            y_val,
            schedule,
            batch_size,
            seed,
        )
    )
    if schedule.fine_tune_epochs:
        first = len(layers.blocks) - schedule.fine_tune if schedule.fine_tune else split
        tuned = keras.Model(
            top_in, network.classifier(network.dropout(layers.apply(top_in, split)))
        )
        training.phases.append(
            _fine_tune_phase(
                network,
                tuned,
                first,
                (train_acts, y_train),
                (val_acts, y_val),
                schedule,
                batch_size,
                seed,
                min(training.phases[0].history["val_loss"]),
            )
        )
    return Built(network.model(embedder.spec), None, scratch=False), training, store


def _head_phase(
    network: LiteNetwork,
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    schedule: Schedule,
    batch_size: int,
    seed: int,
) -> Phase:
    """The classifier alone, on pooled embeddings: seconds per epoch."""
    inputs = keras.Input(shape=x.shape[1:], name="embedding")
    head = keras.Model(inputs, network.classifier(network.dropout(inputs)))
    optimisation = compile_model(
        head, schedule.learning_rate, schedule.label_smoothing, schedule.weight_decay, plateau=True
    )
    history = run_phase(
        head,
        _batches(x, y, batch_size, seed),
        _batches(x_val, y_val, 256, None),
        schedule.epochs,
        schedule.patience,
        schedule.class_weight,
        plateau=True,
    )
    return Phase(
        "head",
        history,
        len(head.trainable_weights),
        "the classifier on frozen, pooled embeddings of each image and its mirror image",
        optimisation,
        schedule.epochs,
        schedule.patience,
    )


def _fine_tune_phase(
    network: LiteNetwork,
    tuned: keras.Model,
    first: int,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    schedule: Schedule,
    batch_size: int,
    seed: int,
    head_val_loss: float,
) -> Phase:
    """Blocks from `first` up, the head and the classifier, on the cached activations.

    Early stopping spans both phases: when no fine-tuned epoch beats the head's best
    validation loss (a tiny set, a rate too high), the head's weights are put back."""
    _set_trainable(network, first)
    before = tuned.get_weights()
    steps = -(-len(train[0]) // batch_size)
    rate = keras.optimizers.schedules.CosineDecay(
        schedule.fine_tune_learning_rate, steps * schedule.fine_tune_epochs, alpha=0.05
    )
    optimisation = compile_model(tuned, rate, schedule.label_smoothing, schedule.weight_decay)
    history = run_phase(
        tuned,
        _sampled_views(*train, batch_size, seed),
        _batches(*validation, 64, None),
        schedule.fine_tune_epochs,
        schedule.patience,
        schedule.class_weight,
        plateau=False,
    )
    kept = min(history["val_loss"]) < head_val_loss
    if not kept:
        tuned.set_weights(before)
    last = len(network.layers.blocks) - 1
    return Phase(
        "fine-tune",
        history,
        len(tuned.trainable_weights),
        f"blocks {first}-{last}, the head convolution and the classifier (BatchNorm frozen)",
        optimisation,
        schedule.fine_tune_epochs,
        schedule.patience,
        kept,
    )
