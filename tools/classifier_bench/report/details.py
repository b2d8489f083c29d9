"""Every figure of one model: cold starts, warm latency per image, memory, time per stage."""

from __future__ import annotations

from collections.abc import Iterator

from classifier_bench.report.names import IMAGES, NAMES
from classifier_bench.results import ModelResults, Results
from classifier_bench.verdicts import ratio


def details(results: Results) -> Iterator[str]:
    for name, model in results.models.items():
        yield f"## {name}: every figure"
        yield ""
        yield from _cold_starts(model)
        yield from _latency(model)
        yield from _engine_and_memory(model)
        yield from _breakdown(results, model)


def _cold_starts(model: ModelResults) -> Iterator[str]:
    yield "Cold start, median [min–max] seconds, runs interleaved:"
    yield ""
    yield "| engine | placement | inside the process | wall, whole process | vs this project |"
    yield "| --- | --- | --- | --- | --- |"
    for placement, engines in model.cold.items():
        for impl, figures in engines.items():
            inside, wall = figures.inside, figures.wall
            yield (
                f"| {NAMES[impl]} | {placement} | {inside.median:.3f} "
                f"[{inside.min:.3f}–{inside.max:.3f}] (n={inside.n}) | "
                f"{wall.median:.3f} [{wall.min:.3f}–{wall.max:.3f}] | "
                f"{ratio(inside.median, model.cold_s(model.ours, placement))} |"
            )
    yield ""


def _latency(model: ModelResults) -> Iterator[str]:
    yield "Warm handler calls, milliseconds:"
    yield ""
    yield "| engine | placement | image | p50 | p90 | p99 | p50 vs this project |"
    yield "| --- | --- | --- | --- | --- | --- | --- |"
    for placement in model.cold:
        for image, label in IMAGES.items():
            base = model.warm_p50_ms(model.ours, image, placement)
            for impl, figures in model.warm[placement].items():
                latency = figures.latency[image]
                yield (
                    f"| {NAMES[impl]} | {placement} | {label} | {latency.p50_ms:.3f} | "
                    f"{latency.p90_ms:.3f} | {latency.p99_ms:.3f} | "
                    f"{ratio(latency.p50_ms, base)} |"
                )
    yield ""


def _engine_and_memory(model: ModelResults) -> Iterator[str]:
    yield (
        "Inference alone, throughput (batches of 16 100×100 JPEGs) and memory (RSS after "
        "init, peak RSS at the mark, growth from the mark to the last request):"
    )
    yield ""
    yield (
        "| engine | placement | inference p50 | p99 | images/s | RSS after init "
        "| peak RSS at mark | growth |"
    )
    yield "| --- | --- | --- | --- | --- | --- | --- | --- |"
    for placement in model.cold:
        for impl, figures in model.warm[placement].items():
            engine, memory = figures.inference_only, figures.memory
            measured = (
                f"{memory.peak_rss_at_mark_mb:.0f} MB at {memory.mark:,} | "
                f"{memory.growth_mb:+.2f} MB by {memory.requests:,}"
                if memory
                else "not measured | not measured"
            )
            yield (
                f"| {NAMES[impl]} | {placement} | {engine.p50_ms:.4f} | "
                f"{engine.p99_ms:.4f} | {figures.throughput_images_per_s:.0f} | "
                f"{figures.rss_after_init_mb:.0f} MB | {measured} |"
            )
    yield ""


def _breakdown(results: Results, model: ModelResults) -> Iterator[str]:
    yield (
        "Where this project's time goes: median milliseconds per stage, each timed on its "
        "own; the handler total is a full `handler.classify` call."
    )
    yield ""
    yield (
        "| placement | image | event parsing | payload (JSON, base64) | decode | resize | "
        "inference | response | handler total | total ÷ (decode + resize + inference) |"
    )
    yield "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for placement, stages in model.breakdown.items():
        for image, s in stages.items():
            yield (
                f"| {placement} | {IMAGES[image]} | {s.event_parsing:.3f} | "
                f"{s.payload:.3f} | {s.decode:.3f} | {s.resize:.3f} | "
                f"{s.inference:.3f} | {s.response:.3f} | {s.handler_total:.3f} | "
                f"{s.overhead_ratio:.2f}× |"
            )
    yield ""
    flops = model.flops
    for placement, rates in results.rates.items():
        floor = rates.floor_ms(flops)
        engine = model.inference_ms(model.ours, placement)
        yield (
            f"* Compute floor, {placement}: {flops.dense / 1e6:.1f} MFLOPs dense at "
            f"{rates.matmul_gflops:.0f} GFLOP/s (onnxruntime MatMul) + "
            f"{flops.depthwise / 1e6:.1f} MFLOPs depthwise at "
            f"{rates.depthwise_gflops:.0f} GFLOP/s (onnxruntime depthwise 3×3 Conv, best "
            f"shape) = {floor:.3f} ms; inference measured {engine:.3f} ms "
            f"({ratio(engine, floor)})."
        )
    yield ""
