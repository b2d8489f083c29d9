"""What the source model expects, and that preprocessing written out in numpy as documented.

The importer folds exactly these steps into the graph (graph.py); `reference_input` is the
same recipe done the way a user of the source would do it, which parity compares against.
Order: colour order, x * scale, (x - mean) / std, layout, then dtype (quantise or cast).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from classifier_training.importing.errors import ImportInputError

CHANNELS = {"L": 1, "RGB": 3, "BGR": 3}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Checked against each source's documentation; see docs/importing.md, "Presets, and how they
# were checked", for what was and was not checked.
PRESETS: dict[str, dict[str, object]] = {
    # torchvision.models docs: RGB, (3 x H x W), loaded into [0, 1], then ImageNet mean/std;
    # the weights' transforms resize with bilinear interpolation.
    "torchvision": {
        "color_mode": "RGB",
        "layout": "NCHW",
        "scale": 1 / 255,
        "mean": IMAGENET_MEAN,
        "std": IMAGENET_STD,
        "resize": "bilinear",
        "output_kind": "logits",
    },
    # keras.applications.mobilenet_v2.preprocess_input (mode "tf"): x / 127.5 - 1, RGB, NHWC.
    "keras-mobilenet-v2": {
        "color_mode": "RGB",
        "layout": "NHWC",
        "scale": 1 / 127.5,
        "mean": (1.0,),
        "std": (1.0,),
        "resize": "bilinear",
    },
    # Azure-Samples/customvision-export-samples (ONNX classification predict.py): PIL resize
    # (bicubic), NCHW, BGR and 0-255 when the model's metadata says Bgr8 / NominalRange_0_255.
    "custom-vision": {
        "color_mode": "BGR",
        "layout": "NCHW",
        "scale": 1.0,
        "mean": (0.0,),
        "std": (1.0,),
        "resize": "bicubic",
    },
}


@dataclass(frozen=True)
class Quantization:
    """An integer tensor's affine mapping: real = scale * (q - zero_point)."""

    scale: float
    zero_point: int
    dtype: str

    @property
    def bounds(self) -> tuple[int, int]:
        info = np.iinfo(np.dtype(self.dtype))
        return int(info.min), int(info.max)

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """Round half to even and saturate, as ONNX QuantizeLinear does."""
        low, high = self.bounds
        q = np.round(x / np.float32(self.scale)) + self.zero_point
        return np.clip(q, low, high).astype(self.dtype)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        return (
            (q.astype(np.int32) - self.zero_point).astype(np.float32) * np.float32(self.scale)
        ).astype(np.float32)


@dataclass(frozen=True)
class Preprocessing:
    """The folded steps, recorded in the card. Raw pixels are H x W x C, 0-255, RGB or L."""

    color_mode: str
    layout: str
    height: int
    width: int
    resize: str
    scale: float
    mean: tuple[float, ...]
    std: tuple[float, ...]
    output_kind: str
    input_dtype: str = "float32"
    input_quantization: Quantization | None = None
    output_quantization: Quantization | None = None
    preset: str | None = None

    @property
    def channels(self) -> int:
        return CHANNELS[self.color_mode]

    @property
    def serving_color_mode(self) -> str:
        """Serving decodes L or RGB; BGR is RGB reversed inside the graph."""
        return "L" if self.color_mode == "L" else "RGB"

    def normalized(self, raw: np.ndarray) -> np.ndarray:
        """Colour order, scale, mean and std on a float32 NHWC batch of raw pixels."""
        x = raw.astype(np.float32)
        if self.color_mode == "BGR":
            x = x[..., ::-1]
        x = x * np.float32(self.scale)
        x = x - np.asarray(self.mean, dtype=np.float32)
        return x / np.asarray(self.std, dtype=np.float32)

    def reference_input(self, raw: np.ndarray) -> np.ndarray:
        """What a user of the source feeds it for these raw pixels, computed in numpy."""
        x = self.normalized(raw)
        if self.layout == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        if self.input_quantization is not None:
            return self.input_quantization.quantize(x)
        return np.ascontiguousarray(x.astype(self.input_dtype))

    def reference_probabilities(self, output: np.ndarray) -> np.ndarray:
        """The source's raw output turned into probabilities as documented (numpy)."""
        y = output
        if self.output_quantization is not None:
            y = self.output_quantization.dequantize(y)
        y = y.astype(np.float32).reshape(len(y), -1)
        if self.output_kind == "logits":
            shifted = y - y.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            y = e / e.sum(axis=1, keepdims=True)
        return y.astype(np.float32)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["folded"] = self.folded_steps()
        return data

    def folded_steps(self) -> list[str]:
        """The graph nodes added around the source, in order, in words."""
        steps = []
        if self.color_mode == "BGR":
            steps.append("RGB to BGR channel reversal")
        if self.scale != 1:
            steps.append(f"multiply by {self.scale:.8g}")
        if any(m != 0 for m in self.mean):
            steps.append(f"subtract mean {list(self.mean)}")
        if any(s != 1 for s in self.std):
            steps.append(f"divide by std {list(self.std)}")
        if self.layout == "NCHW":
            steps.append("transpose NHWC to NCHW")
        if self.input_quantization is not None:
            q = self.input_quantization
            steps.append(f"quantise to {q.dtype} (scale {q.scale:.8g}, zero point {q.zero_point})")
        elif self.input_dtype != "float32":
            steps.append(f"cast to {self.input_dtype}")
        if self.output_quantization is not None:
            q = self.output_quantization
            steps.append(f"dequantise output (scale {q.scale:.8g}, zero point {q.zero_point})")
        if self.output_kind == "logits":
            steps.append("softmax")
        return steps


def per_channel(values: tuple[float, ...], channels: int, flag: str) -> tuple[float, ...]:
    """One value for every channel, or one per channel; anything else fits no channel count."""
    if len(values) == 1:
        return values * channels
    if len(values) != channels:
        raise ImportInputError(
            f"{flag} has {len(values)} values; the input has {channels} channel(s), "
            f"so give 1 or {channels}"
        )
    return values
