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
    hash Keras checks it against (None where Keras records none).
    """

    name: str
    keras_name: str | None
    min_size: int
    input_scale: str
    imagenet_sizes: tuple[int, ...] | None = None
    imagenet_file: str | None = None
    imagenet_md5: str | None = None

    @property
    def pretrainable(self) -> bool:
        return self.keras_name is not None

    def imagenet_file_for(self, size: int) -> str:
        """The file name Keras asks for (MobileNetV2 names one per input size)."""
        if self.imagenet_file is None:
            raise TrainingInputError(f"backbone {self.name} has no ImageNet weights")
        return self.imagenet_file.format(size=size)

    def check_size(self, size: int, weights: str) -> None:
        """Refuse image sizes the backbone (or its ImageNet weights) cannot take."""
        if size < self.min_size:
            raise TrainingInputError(
                f"--image-size {size} is too small for backbone {self.name}: "
                f"it needs at least {self.min_size}"
            )
        if weights == "imagenet" and self.imagenet_sizes and size not in self.imagenet_sizes:
            sizes = ", ".join(str(s) for s in self.imagenet_sizes)
            raise TrainingInputError(
                f"--image-size {size} has no pretrained weights for backbone {self.name}: "
                f"choose one of {sizes}, or train from scratch with --weights none"
            )


_MOBILENET_V3 = "weights_mobilenet_v3_{kind}_224_1.0_float_no_top_v2.h5"

BACKBONES: dict[str, Backbone] = {
    backbone.name: backbone
    for backbone in (
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
