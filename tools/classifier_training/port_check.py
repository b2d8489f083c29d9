"""Compare this project's EfficientNet-Lite with the official checkpoints' saved outputs.

The reference folder holds `panda.jpg` and each model's softmax output, made with TF's
preprocessing (decode_jpeg, bilinear tf.image.resize without antialias, float pixels); this
check feeds the port exactly those pixels, so any difference is the port's. Prints one line
per model with max |dp| and exits 1 if any exceeds the bound.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

BOUND = 1e-5
REFERENCES = {
    "efficientnet_lite0": "b0_lite_output_224.npy",
    "efficientnet_lite1": "b1_lite_output_240.npy",
    "efficientnet_lite2": "b2_lite_output_260.npy",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reference_dir", type=Path, help="holds panda.jpg and the .npy outputs")
    args = parser.parse_args(argv)
    import tensorflow as tf

    from classifier_training import imagenet_head
    from classifier_training.backbones import get_backbone
    from classifier_training.torch_weights import resolve

    image = tf.image.decode_jpeg(tf.io.read_file(str(args.reference_dir / "panda.jpg")))
    worst = 0.0
    for name, reference in REFERENCES.items():
        backbone = get_backbone(name)
        _, weights = resolve("imagenet", backbone)
        spec = imagenet_head.input_spec(backbone)
        model = imagenet_head.build(backbone, weights, spec)
        pixels = tf.image.resize(image, (spec.height, spec.width), "bilinear", antialias=False)
        ours = np.asarray(model(pixels[None], training=False))
        official = np.load(args.reference_dir / reference)
        diff = float(np.abs(ours - official).max())
        worst = max(worst, diff)
        print(
            f"{name} @{spec.height}: max |dp| {diff:.1e}, top-1 {int(ours.argmax())} "
            f"(official {int(official.argmax())})"
        )
    return 1 if worst > BOUND else 0


if __name__ == "__main__":
    sys.exit(main())
