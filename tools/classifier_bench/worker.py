"""One measured process: `python -m classifier_bench.worker IMPL MODE EVENTS_DIR`, prints JSON.

Modes: `cold` (import and init until the first response), `warm` (latency, throughput,
memory) and `breakdown` (where a request's time goes, for this project only). The model is
`--model-dir` (its `model.keras` for Keras, `--tflite` for LiteRT); this project's handler
reads the same directory from MODEL_DIR, which the driver sets.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from classifier_bench.memory import peak_rss_mb, rss_mb

if TYPE_CHECKING:  # typing stays unimported at run time: the handler's imports are measured
    from collections.abc import Callable
    from typing import Any

    from image_classifier.model import Classifier

    Event = dict[str, Any]
    Classify = Callable[[Event, object], dict[str, Any]]

IMAGES = ("jpeg_100x100", "jpeg_640x480", "jpeg_4000x3000", "png_512x512")


def percentiles(samples: list[float]) -> dict[str, float]:
    import numpy as np

    values = np.asarray(samples) * 1000
    return {
        "p50_ms": float(np.percentile(values, 50)),
        "p90_ms": float(np.percentile(values, 90)),
        "p99_ms": float(np.percentile(values, 99)),
        "n": len(samples),
    }


def timed_calls(classify: Classify, event: Event, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        begin = time.perf_counter()
        response = classify(event, None)
        samples.append(time.perf_counter() - begin)
        if response["statusCode"] != 200:
            raise RuntimeError(f"benchmark request failed: {response['body'][:200]}")
    return samples


def build(impl: str, model_dir: Path, tflite: Path | None) -> tuple[Classify, Classifier]:
    from classifier_bench.peers import build_handler

    return build_handler(impl, model_dir, tflite, pinned=os.environ.get("BENCH_PINNED") == "1")


def cold(impl: str, events: Path, model_dir: Path, tflite: Path | None) -> dict[str, float]:
    """From before the handler's imports to its first answer; the worker loads only stdlib."""
    started = time.perf_counter()
    event = json.loads((events / "jpeg_100x100.json").read_text())
    classify, _ = build(impl, model_dir, tflite)
    response = classify(event, None)
    elapsed = time.perf_counter() - started
    assert response["statusCode"] == 200
    return {"cold_start_s": elapsed}


def engine_latency(classifier: Classifier, count: int) -> dict[str, float]:
    """The inference call alone, on one preprocessed image: the engines without the handler."""
    import numpy as np

    batch = np.random.default_rng(0).uniform(0, 255, (1, *classifier.spec.shape))
    batch = batch.astype(np.float32)
    samples = []
    for _ in range(count // 10):
        classifier.predict(batch)
    for _ in range(count):
        begin = time.perf_counter()
        classifier.predict(batch)
        samples.append(time.perf_counter() - begin)
    return percentiles(samples)


def warm(
    impl: str,
    events: Path,
    model_dir: Path,
    tflite: Path | None,
    iterations: int,
    memory_requests: int,
) -> dict[str, Any]:
    classify, classifier = build(impl, model_dir, tflite)
    result: dict[str, Any] = {
        "rss_after_init_mb": rss_mb(),
        "peak_rss_after_init_mb": peak_rss_mb(),
    }
    small = json.loads((events / "jpeg_100x100.json").read_text())
    result["inference_only"] = engine_latency(classifier, iterations * 5)
    latency = {}
    for name in IMAGES:
        event = json.loads((events / f"{name}.json").read_text())
        count = max(5, iterations // 20) if name == "jpeg_4000x3000" else iterations
        timed_calls(classify, event, max(3, count // 10))
        latency[name] = percentiles(timed_calls(classify, event, count))
    result["latency"] = latency
    batch = json.loads((events / "batch_16.json").read_text())
    timed_calls(classify, batch, 3)
    samples = timed_calls(classify, batch, max(5, iterations // 10))
    result["throughput_images_per_s"] = 16 * len(samples) / sum(samples)
    if memory_requests:
        mark = min(1000, memory_requests // 2)
        timed_calls(classify, small, mark)
        result["memory_mark"] = mark
        result["rss_at_mark_mb"] = rss_mb()
        result["peak_rss_at_mark_mb"] = peak_rss_mb()
        timed_calls(classify, small, memory_requests - mark)
        result["memory_requests"] = memory_requests
        result["rss_growth_mb"] = rss_mb() - result["rss_at_mark_mb"]
    return result


def breakdown(events: Path, iterations: int) -> dict[str, Any]:
    """Each stage of handler.classify's request path, timed by calling the serving functions."""
    import numpy as np

    from classifier_devtools.paths import load_handler

    handler = load_handler()
    from image_classifier.adapters import detect
    from image_classifier.errors import ClassifierError
    from image_classifier.http_messages import HttpResponse
    from image_classifier.payload import parse_classify_request
    from image_classifier.preprocessing import decode, to_model_input

    classifier, settings = handler.CLASSIFIER, handler.SETTINGS
    stages: dict[str, dict[str, float]] = {}
    for name in IMAGES:
        event = json.loads((events / f"{name}.json").read_text())
        count = max(5, iterations // 20) if name == "jpeg_4000x3000" else iterations
        keys = ("event_parsing", "payload", "decode", "resize", "inference", "response")
        times: dict[str, list[float]] = {k: [] for k in (*keys, "handler_total")}
        for _ in range(count):
            t0 = time.perf_counter()
            adapter = detect(event)
            request = adapter.to_request(event, "-")
            t1 = time.perf_counter()
            parsed = parse_classify_request(
                request,
                n_labels=len(classifier.labels),
                default_top_k=settings.default_top_k,
                max_bytes=settings.max_image_bytes,
                max_batch=settings.max_batch,
            )
            data = parsed.images[0]
            if isinstance(data, ClassifierError):
                raise data
            t2 = time.perf_counter()
            image = decode(data, classifier.spec, settings.max_image_pixels)
            t3 = time.perf_counter()
            pixels = to_model_input(image, classifier.spec)
            t4 = time.perf_counter()
            probabilities = classifier.predict(pixels[None])
            t5 = time.perf_counter()
            predictions = classifier.top_k(probabilities[0], parsed.top_k)
            adapter.to_response(
                HttpResponse(200, {"predictions": [p.to_dict() for p in predictions]})
            )
            t6 = time.perf_counter()
            handler.classify(event, None)
            t7 = time.perf_counter()
            for key, value in zip(
                times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6), strict=True
            ):
                times[key].append(value)
        medians = {k: float(np.median(v)) * 1000 for k, v in times.items()}
        medians["overhead_ratio"] = medians["handler_total"] / (
            medians["decode"] + medians["resize"] + medians["inference"]
        )
        stages[name] = medians
    return {"breakdown_ms": stages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("impl", choices=["onnx", "keras", "keras-eager", "litert"])
    parser.add_argument("mode", choices=["cold", "warm", "breakdown"])
    parser.add_argument("events", type=Path)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--tflite", type=Path, help="the model converted for LiteRT")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--memory-requests", type=int, default=5000)
    args = parser.parse_args()
    if args.mode == "cold":
        result = cold(args.impl, args.events, args.model_dir, args.tflite)
    elif args.mode == "warm":
        result = warm(
            args.impl,
            args.events,
            args.model_dir,
            args.tflite,
            args.iterations,
            args.memory_requests,
        )
    else:
        result = breakdown(args.events, args.iterations)
    sys.stdout.write("BENCH " + json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
