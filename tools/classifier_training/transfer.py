"""The pretrained recipe for EfficientNet-Lite, designed for CPUs.

The bottom of the network (up to the last stride-16 block) is frozen and runs once per image
and mirror image, into the feature store. Phase 1 trains the classifier on pooled embeddings of
those activations; phase 2 fine-tunes the blocks above the cache, the head convolution and the
classifier on the cached activations, with BatchNorm statistics kept as pretrained. Neither
phase ever runs the bottom again, so an epoch costs only the top of the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from classifier_training.backbones import Backbone
from classifier_training.cache import ImageCache
from classifier_training.convert_efficientnet_lite import IMAGENET_HEAD, Converted
from classifier_training.data import Splits
from classifier_training.efficientnet_lite import LiteLayers
from classifier_training.feature_store import VIEWS, FeatureStore
from classifier_training.fit import Phase, Training, compile_model, run_phase
from classifier_training.lite_architecture import CONFIGS, LiteConfig
from classifier_training.models import Built
from classifier_training.plan import Schedule
from image_classifier.preprocessing import InputSpec

DROPOUT = 0.2


@dataclass
class LiteNetwork:
    layers: LiteLayers
    dropout: keras.layers.Layer
    classifier: keras.layers.Layer

    def model(self, spec: InputSpec) -> keras.Model:
        """The whole network on raw pixels: what is evaluated and exported."""
        inputs = keras.Input(shape=spec.shape, name="image")
        outputs = self.classifier(self.dropout(self.layers.apply(inputs)))
        return keras.Model(inputs, outputs, name=f"efficientnet_lite_{spec.height}")


def build_network(
    backbone: Backbone, spec: InputSpec, n_classes: int, weights: Converted
) -> LiteNetwork:
    base = CONFIGS[backbone.name]
    layers = LiteLayers(LiteConfig(base.width, base.depth, spec.height))
    network = LiteNetwork(
        layers,
        keras.layers.Dropout(DROPOUT, name="dropout"),
        keras.layers.Dense(n_classes, activation="softmax", name="probabilities"),
    )
    network.model(spec)  # creates every variable before the weights are set
    for name, arrays in weights.items():
        if name != IMAGENET_HEAD:
            layers.layers[name].set_weights(arrays)
    return network


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
    backbone: Backbone,
    spec: InputSpec,
    n_classes: int,
    weights: Converted,
    producer: dict[str, object],
    cache: ImageCache,
    splits: Splits,
    schedule: Schedule,
    batch_size: int,
    seed: int,
) -> tuple[Built, Training, FeatureStore]:
    network = build_network(backbone, spec, n_classes, weights)
    layers = network.layers
    split = layers.cached_block + 1
    bottom_in = keras.Input(shape=spec.shape)
    bottom = keras.Model(bottom_in, layers.apply(bottom_in, 0, split, head=False))
    store = FeatureStore({**producer, "block": layers.cached_block, "input": spec.to_dict()})

    def produce(pixels: np.ndarray) -> np.ndarray:
        return np.asarray(bottom.predict_on_batch(pixels))

    train_acts = store.activations(cache, splits.train, produce)
    val_acts = store.activations(cache, splits.validation, produce)[:, 0]
    x_train = train_acts.reshape(-1, *train_acts.shape[2:])
    y_train = keras.utils.to_categorical(
        np.repeat(cache.targets[splits.train], len(VIEWS)), n_classes
    )
    y_val = keras.utils.to_categorical(cache.targets[splits.validation], n_classes)

    top_in = keras.Input(shape=x_train.shape[1:], name="activations")
    embed = keras.Model(top_in, layers.apply(top_in, split))
    emb_train = np.concatenate(
        [
            embed.predict_on_batch(c.astype(np.float32))
            for c in np.array_split(x_train, max(1, len(x_train) // 64))
        ]
    )
    emb_val = np.concatenate(
        [
            embed.predict_on_batch(c.astype(np.float32))
            for c in np.array_split(val_acts, max(1, len(val_acts) // 64))
        ]
    )

    training = Training()
    emb_in = keras.Input(shape=emb_train.shape[1:], name="embedding")
    head = keras.Model(emb_in, network.classifier(network.dropout(emb_in)))
    compile_model(head, schedule.learning_rate, schedule.label_smoothing, schedule.weight_decay)
    history = run_phase(
        head,
        _batches(emb_train, y_train, batch_size, seed),
        _batches(emb_val, y_val, 256, None),
        schedule.epochs,
        schedule.patience,
        schedule.class_weight,
        plateau=True,
    )
    training.phases.append(Phase("head", history, len(head.trainable_weights)))

    if schedule.fine_tune_epochs:
        first = len(layers.blocks) - schedule.fine_tune if schedule.fine_tune else split
        _set_trainable(network, first)
        tuned = keras.Model(
            top_in, network.classifier(network.dropout(layers.apply(top_in, split)))
        )
        steps = -(-len(x_train) // batch_size)
        rate = keras.optimizers.schedules.CosineDecay(
            schedule.fine_tune_learning_rate, steps * schedule.fine_tune_epochs, alpha=0.05
        )
        compile_model(tuned, rate, schedule.label_smoothing, schedule.weight_decay)
        history = run_phase(
            tuned,
            _batches(x_train, y_train, batch_size, seed),
            _batches(val_acts, y_val, 64, None),
            schedule.fine_tune_epochs,
            schedule.patience,
            schedule.class_weight,
            plateau=False,
        )
        training.phases.append(Phase("fine-tune", history, len(tuned.trainable_weights)))
    return Built(network.model(spec), None, scratch=False), training, store
