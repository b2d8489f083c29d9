"""Training-only augmentation for photos: flip, rotation, zoom, translation, contrast.

It runs in the tf.data input pipeline, never inside the model, so the exported graph holds no
random op and serving sees exactly the pixels it is sent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

FLIPS = ("horizontal", "vertical", "horizontal_and_vertical", "none")


@dataclass(frozen=True)
class Augmentation:
    """Strengths as Keras' preprocessing layers take them; 0 (or flip "none") turns one off."""

    enabled: bool = False
    flip: str = "horizontal"
    rotation: float = 0.1  # a fraction of a full turn
    zoom: float = 0.2
    translation: float = 0.1
    contrast: float = 0.2

    def __post_init__(self) -> None:
        if self.flip not in FLIPS:
            raise ValueError(f"flip must be one of {', '.join(FLIPS)}")
        for name in ("rotation", "zoom", "translation", "contrast"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"--{name} must be from 0 up to (not including) 1, got {value}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) if self.enabled else {"enabled": False}

    def build(self, seed: int) -> Any:
        """A Keras pipeline of the enabled layers, or None when nothing is enabled."""
        import keras

        layers: list[Any] = []
        if not self.enabled:
            return None
        if self.flip != "none":
            layers.append(keras.layers.RandomFlip(self.flip, seed=seed))
        if self.rotation:
            layers.append(
                keras.layers.RandomRotation(self.rotation, fill_mode="reflect", seed=seed + 1)
            )
        if self.zoom:
            layers.append(
                keras.layers.RandomZoom((-self.zoom, self.zoom), fill_mode="reflect", seed=seed + 2)
            )
        if self.translation:
            layers.append(
                keras.layers.RandomTranslation(
                    self.translation, self.translation, fill_mode="reflect", seed=seed + 3
                )
            )
        if self.contrast:
            layers.append(keras.layers.RandomContrast(self.contrast, seed=seed + 4))
        return keras.Sequential(layers, name="augmentation") if layers else None
