"""The two training phases, each ended by early stopping on validation loss.

Phase 1 trains the new head on a frozen pretrained backbone (or, from scratch, the whole
network). Phase 2, asked for with `--fine-tune N`, unfreezes the backbone's top N layers at a
lower learning rate; BatchNorm stays in inference mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from classifier_training.models import Built, recalibrate_batchnorm, unfreeze_top
from classifier_training.plan import Schedule


@dataclass(frozen=True)
class Optimisation:
    """How a phase was compiled, read back from what was built rather than restated."""

    optimizer: str
    learning_rate: float
    schedule: str
    label_smoothing: float
    weight_decay: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "schedule": self.schedule,
            "label_smoothing": self.label_smoothing,
            "weight_decay": self.weight_decay,
        }


@dataclass
class Phase:
    name: str
    history: dict[str, list[float]]
    trainable_weights: int
    trains: str = ""
    optimisation: Optimisation | None = None
    max_epochs: int = 0
    patience: int = 0
    kept: bool = True  # False: no epoch beat the previous phase, whose weights were put back

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.name,
            "trains": self.trains,
            **(self.optimisation.to_dict() if self.optimisation else {}),
            "max_epochs": self.max_epochs,
            "early_stopping_patience": self.patience,
            "epochs_run": self.epochs_run,
            "trainable_weights": self.trainable_weights,
            "kept": self.kept,
            "best_val_loss": float(np.min(self.history["val_loss"]))
            if self.history.get("val_loss")
            else None,
        }


@dataclass
class Training:
    phases: list[Phase] = field(default_factory=list)
    recalibrated_batches: int = 0  # BatchNorm statistics re-estimated on this many batches
    augmentation: dict[str, Any] = field(default_factory=dict)
    class_weight: dict[int, float] | None = None

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.phases]


WARMUP_EPOCHS = 3
# Batches of training images that re-estimate BatchNorm statistics before each validation.
VALIDATION_CALIBRATION_BATCHES = 8


class RecalibrateBeforeValidation(keras.callbacks.Callback):  # type: ignore[misc]
    """Give validation the BatchNorm statistics the exported model will have.

    Without this, a keras.applications backbone trained from scratch was validated with
    near-initial moving statistics, so early stopping judged (and restored) the wrong epoch: in
    the 3-epoch test fixtures, validation loss rose from the first epoch on and the first epoch's
    weights won. The CNN's statistics lag less but come from augmented photos."""

    def __init__(self, calibration: Any) -> None:
        super().__init__()
        self.calibration = calibration

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        recalibrate_batchnorm(self.model, self.calibration, VALIDATION_CALIBRATION_BATCHES)


def learning_rate(schedule: Schedule, steps_per_epoch: int) -> Any:
    """A constant rate (halved on plateaus), or a warm-up to it followed by cosine decay."""
    if not schedule.cosine:
        return schedule.learning_rate
    warmup = min(WARMUP_EPOCHS, max(0, schedule.epochs - 1))
    return keras.optimizers.schedules.CosineDecay(
        schedule.learning_rate * 0.1,
        decay_steps=max(1, steps_per_epoch * (schedule.epochs - warmup)),
        warmup_target=schedule.learning_rate,
        warmup_steps=steps_per_epoch * warmup,
        alpha=0.01,
    )


def describe_rate(rate: Any, plateau: bool) -> tuple[float, str]:
    """The starting (peak) rate and the schedule, from the schedule object itself."""
    if isinstance(rate, keras.optimizers.schedules.CosineDecay):
        config = rate.get_config()
        cosine = f"cosine decay over {config['decay_steps']} steps to {config['alpha']}x"
        if config.get("warmup_steps"):
            return float(config["warmup_target"]), (
                f"linear warm-up over {config['warmup_steps']} steps from "
                f"{config['initial_learning_rate']:g}, then {cosine}"
            )
        return float(config["initial_learning_rate"]), cosine
    return float(rate), "halved on a validation-loss plateau" if plateau else "constant"


def compile_model(
    model: keras.Model,
    rate: Any,
    label_smoothing: float = 0.0,
    weight_decay: float = 0.0,
    plateau: bool = False,
) -> Optimisation:
    """Compile for training; returns what was configured, for the card."""
    optimizer = (
        keras.optimizers.AdamW(rate, weight_decay=weight_decay)
        if weight_decay
        else keras.optimizers.Adam(rate)
    )
    start, schedule = describe_rate(rate, plateau)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
        jit_compile=False,  # XLA spends minutes compiling a MobileNet on two cores
    )
    return Optimisation(
        type(optimizer).__name__, start, schedule, label_smoothing, float(weight_decay)
    )


def run_phase(
    model: keras.Model,
    train: Any,
    validation: Any,
    epochs: int,
    patience: int,
    class_weight: dict[int, float] | None,
    plateau: bool = True,
    extra: list[Any] | None = None,
) -> dict[str, list[float]]:
    """Fit with early stopping on validation loss, keeping the best weights."""
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    callbacks: list[Any] = [stop, *(extra or [])]
    if plateau:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.5, patience=max(1, patience // 3)
            )
        )
    history = model.fit(
        train,
        validation_data=validation,
        epochs=epochs,
        callbacks=callbacks,
        class_weight=class_weight,
        verbose=2,
    )
    if stop.best_weights is not None and stop.stopped_epoch == 0:
        model.set_weights(stop.best_weights)  # early stopping restores only when it stops
    return {k: [float(v) for v in values] for k, values in history.history.items()}


def train(
    built: Built,
    train_data: Any,
    validation: Any,
    schedule: Schedule,
    steps_per_epoch: int,
    calibration: Any = None,
) -> Training:
    """Phase 1, then phase 2 when fine-tuning was asked for.

    A network trained from scratch gets its BatchNorm statistics recalibrated on `calibration`
    (unaugmented training images) before each validation and at the end: on the flowers, the
    CNN's validation accuracy rose by 2 and 5 photos of 226 from that alone."""
    training = Training()
    recalibrate = built.scratch and calibration is not None
    extra = [RecalibrateBeforeValidation(calibration)] if recalibrate else []
    optimisation = compile_model(
        built.model,
        learning_rate(schedule, steps_per_epoch),
        schedule.label_smoothing,
        schedule.weight_decay,
        plateau=not schedule.cosine,
    )
    trainable = len(built.model.trainable_weights)
    history = run_phase(
        built.model,
        train_data,
        validation,
        schedule.epochs,
        schedule.patience,
        schedule.class_weight,
        plateau=not schedule.cosine,
        extra=extra,
    )
    head = built.base is not None and not built.base.trainable
    training.phases.append(
        Phase(
            "head" if head else "from scratch",
            history,
            trainable,
            "the new classifier on the frozen backbone" if head else "the whole network",
            optimisation,
            schedule.epochs,
            schedule.patience,
        )
    )
    if schedule.fine_tune and built.base is not None:
        unfreeze_top(built.base, schedule.fine_tune)
        optimisation = compile_model(
            built.model, schedule.fine_tune_learning_rate, schedule.label_smoothing, plateau=True
        )
        epochs = schedule.fine_tune_epochs or schedule.epochs
        history = run_phase(
            built.model,
            train_data,
            validation,
            epochs,
            schedule.patience,
            schedule.class_weight,
        )
        training.phases.append(
            Phase(
                "fine-tune",
                history,
                len(built.model.trainable_weights),
                f"the backbone's top {schedule.fine_tune} layers (BatchNorm frozen) and the "
                "classifier",
                optimisation,
                epochs,
                schedule.patience,
            )
        )
    if recalibrate:
        training.recalibrated_batches = recalibrate_batchnorm(built.model, calibration)
    return training
