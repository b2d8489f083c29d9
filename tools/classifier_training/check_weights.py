"""Print the ImageNet top-5 of EfficientNet-Lite for each image, one JSON line per image.

The network runs with its own ImageNet classifier, through the project's preprocessing at the
backbone's native size, so a user can see that the weights loaded are the real ones (a daisy
should come out as "daisy"). Exit 2 for bad usage, bad weights or an unreadable image.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from classifier_training.backbones import BACKBONES, get_backbone
from classifier_training.errors import TrainingInputError
from image_classifier.errors import ImageError
from image_classifier.preprocessing import preprocess

TOP = 5
LITE = [name for name, b in BACKBONES.items() if b.torch_weights is not None]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backbone", choices=LITE, default=LITE[0])
    parser.add_argument("--weights", default="imagenet", help="imagenet, or a legacy .pth file")
    parser.add_argument("images", nargs="+", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from classifier_training.torch_weights import resolve

    backbone = get_backbone(args.backbone)
    try:
        _, weights = resolve(args.weights, backbone)
    except TrainingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from classifier_training import imagenet_head

    labels = imagenet_head.imagenet_labels()
    spec = imagenet_head.input_spec(backbone)
    model = imagenet_head.build(backbone, weights, spec)
    failed = False
    for path in args.images:
        line: dict[str, object] = {"image": str(path)}
        try:
            pixels = preprocess(path.read_bytes(), spec)
        except (ImageError, OSError) as exc:
            line["error"] = str(exc) if isinstance(exc, ImageError) else "cannot be read"
            failed = True
        else:
            probabilities = np.asarray(model(pixels[None], training=False))[0]
            top = np.argsort(-probabilities, kind="stable")[:TOP]
            line["top5"] = [
                {"index": int(i), "label": labels[i], "probability": float(probabilities[i])}
                for i in top
            ]
        print(json.dumps(line), flush=True)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
