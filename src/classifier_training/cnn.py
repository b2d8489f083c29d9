"""The Keras CNN: normalisation is its first layer, so serving feeds raw pixels."""

from __future__ import annotations

import keras
import tensorflow as tf

from classifier_training.data import Splits
from image_classifier.preprocessing import InputSpec


def set_seed(seed: int) -> None:
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def build_cnn(spec: InputSpec, n_classes: int, filters: int = 32) -> keras.Model:
    """Two Conv2D+ReLU blocks with pooling, then dropout, a dense layer and a softmax head."""
    layers = [
        keras.Input(shape=spec.shape, name="image"),
        keras.layers.Rescaling(1.0 / 255.0),
        keras.layers.Conv2D(filters, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(filters * 2, 3, padding="same", activation="relu"),
    ]
    if min(spec.height, spec.width) >= 4:
        layers.append(keras.layers.MaxPooling2D(2))
    layers += [
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(n_classes, activation="softmax", name="probabilities"),
    ]
    model = keras.Sequential(layers, name="cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def train_cnn(
    model: keras.Model, splits: Splits, epochs: int, batch_size: int, patience: int
) -> keras.callbacks.History:
    """Fit with early stopping on validation loss, keeping the best weights."""
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    slow_down = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=max(1, patience // 3)
    )
    return model.fit(
        splits.x_train,
        splits.y_train,
        validation_data=(splits.x_val, splits.y_val),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[stop, slow_down],
        verbose=2,
    )
