"""Is the LiteRT peer at its best? `python -m classifier_bench.fairness MODEL_DIR TFLITE`.

A weak peer flatters this project, so this checks, on one pinned CPU:
* XNNPACK: the default interpreter (which applies the XNNPACK delegate) against the same
  model with the default delegates switched off; the driver also looks for the delegate's
  own "Created TensorFlow Lite XNNPACK delegate" line on stderr.
* denormals: subnormal float32 values in the weights and in every intermediate tensor of a
  real image's forward pass (they cost a CPU 10-100x per operation without flush-to-zero).
* degenerate weights: NaN outputs, outputs that do not vary across images, and top-1
  agreement with onnxruntime's float graph on the same pixels.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

TINY = np.finfo(np.float32).tiny


def subnormal_share(arrays: Iterable[np.ndarray]) -> tuple[int, int]:
    subnormal = total = 0
    for array in arrays:
        if array.dtype != np.float32:
            continue
        values = np.abs(array)
        subnormal += int(np.count_nonzero((values > 0) & (values < TINY)))
        total += values.size
    return subnormal, total


def invoke_p50_ms(interpreter: Any, batch: np.ndarray, runs: int) -> float:
    index = interpreter.get_input_details()[0]["index"]
    interpreter.set_tensor(index, batch)
    for _ in range(max(3, runs // 10)):
        interpreter.invoke()
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        interpreter.invoke()
        samples.append(time.perf_counter() - begin)
    return float(np.median(samples)) * 1000


def check(model_dir: Path, tflite: Path, runs: int = 200) -> dict[str, Any]:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from classifier_bench.images import photo
    from image_classifier.model import Classifier
    from image_classifier.model_card import ModelCard
    from image_classifier.preprocessing import to_model_input

    card = ModelCard.load(model_dir)
    images = np.stack(
        [to_model_input(photo((640, 480), seed), card.spec) for seed in range(8)]
    ).astype(np.float32)
    threads = 1
    default = Interpreter(model_path=str(tflite), num_threads=threads)
    default.allocate_tensors()
    plain = Interpreter(
        model_path=str(tflite),
        num_threads=threads,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        experimental_preserve_all_tensors=True,
    )
    plain.allocate_tensors()
    first = images[:1]
    result = {
        "invoke_p50_ms_default": invoke_p50_ms(default, first, runs),
        "invoke_p50_ms_without_xnnpack": invoke_p50_ms(plain, first, runs),
    }
    plain.set_tensor(plain.get_input_details()[0]["index"], first)
    plain.invoke()
    tensors = []
    for detail in plain.get_tensor_details():
        try:
            tensors.append(plain.get_tensor(detail["index"]))
        except ValueError:
            continue
    result["subnormal_values"], result["float_values"] = subnormal_share(tensors)
    output = default.get_output_details()[0]["index"]
    litert = []
    for image in images:
        default.set_tensor(default.get_input_details()[0]["index"], image[None])
        default.invoke()
        litert.append(default.get_tensor(output)[0].copy())
    probabilities = np.stack(litert)
    onnx = Classifier.load(model_dir, precision="float").predict(images)
    result.update(
        {
            "nan_outputs": int(np.isnan(probabilities).sum()),
            "output_std_across_images": float(probabilities.std(axis=0).mean()),
            "top1_agreement_with_onnx": float(np.mean(probabilities.argmax(1) == onnx.argmax(1))),
            "max_abs_diff_vs_onnx": float(np.abs(probabilities - onnx).max()),
            "images": len(images),
        }
    )
    return result


def main() -> int:
    result = check(Path(sys.argv[1]), Path(sys.argv[2]))
    sys.stdout.write("BENCH " + json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
