"""Write EfficientNet-Lite's own 1,000-class ImageNet classifier as a model folder.

A user with no photos of their own can deploy a general photo classifier: the same export,
parity check and card as a trained model. The card records the published ImageNet accuracy
as published, not as measured here: no ImageNet images are available to measure it.

Exit codes: 0 written; 2 bad input (nothing written); 3 parity failed (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from classifier_training.artifacts import check_writable, write_atomically
from classifier_training.backbones import BACKBONES, Backbone, get_backbone
from classifier_training.errors import TrainingInputError, exit_code
from image_classifier.errors import ImageError
from image_classifier.preprocessing import InputSpec, preprocess

# Google's EfficientNet-Lite README (tensorflow/tpu, models/official/efficientnet/lite).
PUBLISHED_TOP1 = {
    "efficientnet_lite0": 0.751,
    "efficientnet_lite1": 0.767,
    "efficientnet_lite2": 0.776,
}
SYNTHETIC_SAMPLES = 8
LITE = [name for name, b in BACKBONES.items() if b.torch_weights is not None]


def parity_samples(spec: InputSpec, images: list[Path], seed: int = 0) -> np.ndarray:
    """The given photos through the project's preprocessing, else smooth random images."""
    if images:
        try:
            return np.stack([preprocess(p.read_bytes(), spec) for p in images])
        except (ImageError, OSError) as exc:
            raise TrainingInputError(f"--images: {exc}") from exc
    rng = np.random.default_rng(seed)
    grids = rng.integers(0, 256, (SYNTHETIC_SAMPLES, 7, 7, 3), dtype=np.uint8)
    return np.stack(
        [
            np.asarray(
                Image.fromarray(g).resize((spec.width, spec.height), Image.Resampling.BICUBIC)
            )
            for g in grids
        ]
    ).astype(np.float32)


def card_sections(backbone: Backbone, weights: Any, parity: Any) -> dict[str, Any]:
    from classifier_training.card import frameworks

    return {
        "backbone": {
            "name": backbone.name,
            "input_scale": backbone.input_scale,
            "weights": weights.to_dict(),
            "head": "ImageNet-1k classifier as published",
        },
        "metrics": {},
        "published": {
            "imagenet_top1": PUBLISHED_TOP1[backbone.name],
            "source": "Google's EfficientNet-Lite README (tensorflow/tpu); not measured here",
        },
        "parity": parity.to_dict(),
        "frameworks": frameworks(),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from classifier_training.torch_weights import resolve

    backbone = get_backbone(args.backbone)
    weights, converted = resolve(args.weights, backbone)
    check_writable(args.output)
    from classifier_training import imagenet_head
    from classifier_training.export import check_parity, to_onnx
    from image_classifier.model_folder import CardHeader, write_model_folder

    spec = imagenet_head.input_spec(backbone)
    samples = parity_samples(spec, args.images)
    model = imagenet_head.build(backbone, converted, spec)
    print(f"[1/3] export: {backbone.name} with its ImageNet head, input {spec.shape}", flush=True)
    onnx_model = to_onnx(model)
    print(f"[2/3] verify: ONNX Runtime against Keras on {len(samples)} images", flush=True)
    parity = check_parity(model, onnx_model, samples)
    print(f"    max abs diff {parity.max_abs_diff:.2e}", flush=True)
    header = CardHeader(
        args.name or f"imagenet-{backbone.name}",
        args.model_version,
        imagenet_head.imagenet_labels(),
        spec,
    )
    sections = card_sections(backbone, weights, parity)
    written: dict[str, Any] = {}
    print(f"[3/3] write: {args.output} (atomically)", flush=True)
    write_atomically(
        args.output,
        lambda d: written.update(write_model_folder(d, onnx_model, header, sections)),
    )
    return written


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backbone", choices=LITE, default=LITE[0])
    parser.add_argument("--weights", default="imagenet", help="imagenet, or a legacy .pth file")
    parser.add_argument("--output", type=Path, required=True, help="the model folder to write")
    parser.add_argument(
        "--images", type=Path, nargs="*", default=[], help="photos to check parity on"
    )
    parser.add_argument("--name", default=None, help="default: imagenet-<backbone>")
    parser.add_argument("--model-version", default="1.0.0")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return exit_code(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
