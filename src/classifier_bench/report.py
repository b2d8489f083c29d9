"""BENCHMARKS.md and the chart, from the results of one run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

NAMES = {
    "onnx": "this project (onnxruntime)",
    "keras": "Keras, compiled tf.function",
    "keras-eager": "Keras, eager model(x)",
    "litert": "LiteRT (ai-edge-litert)",
}
IMAGES = {
    "jpeg_100x100": "100×100 JPEG",
    "jpeg_640x480": "640×480 JPEG",
    "jpeg_4000x3000": "4000×3000 JPEG",
    "png_512x512": "512×512 PNG",
}
OPTIMISATIONS = Path(__file__).resolve().parent / "OPTIMISATIONS.md"
# Where the chart sits relative to BENCHMARKS.md, which is published at the repository root.
RESULTS = Path("src/classifier_bench/results")
CHART = RESULTS / "benchmarks.png"


def write_chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    placements = list(results["cold"])
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(placements)
    cold_impls = list(results["cold"][placements[0]])
    warm_impls = list(results["warm"][placements[0]])
    for index, placement in enumerate(placements):
        cold = [results["cold"][placement][i]["inside"]["median"] for i in cold_impls]
        warm = [
            results["warm"][placement][i]["latency"]["jpeg_100x100"]["p50_ms"] for i in warm_impls
        ]
        axes[0].bar(
            [x + index * width for x in range(len(cold_impls))], cold, width, label=placement
        )
        axes[1].bar(
            [x + index * width for x in range(len(warm_impls))], warm, width, label=placement
        )
    axes[0].set_xticks(
        [x + width * (len(placements) - 1) / 2 for x in range(len(cold_impls))],
        [NAMES[i].split(" (")[0].replace(", ", "\n") for i in cold_impls],
    )
    axes[1].set_xticks(
        [x + width * (len(placements) - 1) / 2 for x in range(len(warm_impls))],
        [NAMES[i].split(" (")[0].replace(", ", "\n") for i in warm_impls],
    )
    axes[0].set_ylabel("seconds (median)")
    axes[0].set_title("Cold start: import + init + first 100×100 JPEG")
    axes[1].set_ylabel("milliseconds (p50, log scale)")
    axes[1].set_yscale("log")
    axes[1].set_title("Warm handler call, 100×100 JPEG")
    for axis in axes:
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_markdown(results: dict[str, Any], path: Path) -> str:
    text = "\n".join(_sections(results)) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}×" if denominator else "n/a"


def _sections(results: dict[str, Any]):
    machine = results["machine"]
    placements = list(results["cold"])
    yield "# Benchmarks"
    yield ""
    yield (
        f"One run of `make bench` ({results['seconds']:.0f} s) on {machine['cpu']}, "
        f"{machine['cores']} cores, {machine['memory']}, {machine['os']}, Python "
        f"{machine['python']}, onnxruntime {machine['onnxruntime']}, numpy "
        f"{machine['numpy']}, Pillow {machine['pillow']}; {results['created_at']}."
    )
    yield ""
    yield (
        "Each implementation serves the same handler contract (the project's event "
        "parsing, decoding, preprocessing and JSON) with the same weights; only the "
        "inference engine differs. *pinned* runs under `taskset -c 0` with one inference "
        "thread, as a Lambda function at or below 1769 MB sees it; *unpinned* uses both "
        "cores (this project then uses two threads, as it does at 3538 MB and above). "
        "Ratios compare systems measured in the same run; absolute times are secondary."
    )
    for note in results["notes"]:
        yield f"\n> {note}"
    yield ""
    yield from _targets(results, placements[0])
    yield "## Cold start"
    yield ""
    yield (
        "A fresh Python process through import and init to the first response to a "
        "100×100 JPEG event; runs interleaved. Median [min–max] seconds."
    )
    yield ""
    yield (
        "| implementation | placement | inside the process | wall, whole process "
        "| vs this project |"
    )
    yield "| --- | --- | --- | --- | --- |"
    for placement in placements:
        cold = results["cold"][placement]
        for impl, figures in cold.items():
            inside, wall = figures["inside"], figures["wall"]
            yield (
                f"| {NAMES[impl]} | {placement} | {inside['median']:.3f} "
                f"[{inside['min']:.3f}–{inside['max']:.3f}] (n={inside['n']}) | "
                f"{wall['median']:.3f} [{wall['min']:.3f}–{wall['max']:.3f}] | "
                f"{_ratio(inside['median'], cold['onnx']['inside']['median'])} |"
            )
    yield ""
    yield "## Warm latency"
    yield ""
    yield "One handler call (parse, decode, preprocess, infer, serialise), in milliseconds."
    yield ""
    yield "| implementation | placement | image | p50 | p90 | p99 | p50 vs this project |"
    yield "| --- | --- | --- | --- | --- | --- | --- |"
    for placement in placements:
        warm = results["warm"][placement]
        for image, label in IMAGES.items():
            base = warm["onnx"]["latency"][image]["p50_ms"]
            for impl, figures in warm.items():
                latency = figures["latency"][image]
                yield (
                    f"| {NAMES[impl]} | {placement} | {label} | {latency['p50_ms']:.3f} | "
                    f"{latency['p90_ms']:.3f} | {latency['p99_ms']:.3f} | "
                    f"{_ratio(latency['p50_ms'], base)} |"
                )
    yield ""
    yield (
        "Inference alone (the engine call on one preprocessed image, no decoding), in milliseconds:"
    )
    yield ""
    yield "| implementation | placement | p50 | p99 | p50 vs this project |"
    yield "| --- | --- | --- | --- | --- |"
    for placement in placements:
        warm = results["warm"][placement]
        base = warm["onnx"]["inference_only"]["p50_ms"]
        for impl, figures in warm.items():
            engine = figures["inference_only"]
            yield (
                f"| {NAMES[impl]} | {placement} | {engine['p50_ms']:.4f} | "
                f"{engine['p99_ms']:.4f} | {_ratio(engine['p50_ms'], base)} |"
            )
    yield ""
    yield "## Throughput and memory"
    yield ""
    yield (
        "Throughput: batch requests of 16 100×100 JPEGs. Memory: RSS after init, peak RSS "
        "after the first 1,000 requests, and RSS growth from request 1,000 to 5,000."
    )
    yield ""
    yield (
        "| implementation | placement | images/s | RSS after init | peak RSS at 1,000 "
        "| growth to 5,000 |"
    )
    yield "| --- | --- | --- | --- | --- | --- |"
    for placement in placements:
        for impl, figures in results["warm"][placement].items():
            memory = (
                f"{figures['peak_rss_at_mark_mb']:.0f} MB | {figures['rss_growth_mb']:+.2f} MB"
                if "rss_growth_mb" in figures
                else "not measured | not measured"
            )
            yield (
                f"| {NAMES[impl]} | {placement} | {figures['throughput_images_per_s']:.0f} | "
                f"{figures['rss_after_init_mb']:.0f} MB | {memory} |"
            )
    yield ""
    yield "## Deploy package"
    yield ""
    if results["packages"]:
        yield "| implementation | unzipped | zipped | measured by |"
        yield "| --- | --- | --- | --- |"
        for impl, size in results["packages"].items():
            zipped = f"{size['zipped_mb']:.1f} MB" if size["zipped_mb"] else "—"
            yield (f"| {NAMES[impl]} | {size['unzipped_mb']:.1f} MB | {zipped} | `{size['how']}` |")
        yield ""
        yield "Lambda's limit is 250 MB unzipped."
    else:
        yield "Not measured in this run."
    yield ""
    yield "## Where this project's time goes"
    yield ""
    yield from _breakdown(results)
    if OPTIMISATIONS.exists():
        yield ""
        yield OPTIMISATIONS.read_text(encoding="utf-8").strip()
    yield ""
    yield f"![benchmarks]({CHART})"


def _breakdown(results: dict[str, Any]):
    yield (
        "Median milliseconds per stage, each timed on its own; the handler total is a full "
        "`handler.classify` call, including logging and the response."
    )
    yield ""
    yield (
        "| placement | image | event parsing | payload (JSON, base64) | decode | resize | "
        "inference | response | "
        "handler total | total ÷ (decode + resize + inference) |"
    )
    yield "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for placement, stages in results["breakdown"].items():
        for image, s in stages.items():
            yield (
                f"| {placement} | {IMAGES[image]} | {s['event_parsing']:.3f} | "
                f"{s['payload']:.3f} | {s['decode']:.3f} | {s['resize']:.3f} | "
                f"{s['inference']:.3f} | {s['response']:.3f} | {s['handler_total']:.3f} | "
                f"{s['overhead_ratio']:.2f}× |"
            )
    yield ""
    flops = results["flops"]
    for placement, gflops in results["matmul_gflops"].items():
        floor_us = flops / (gflops * 1e9) * 1e6
        inference = results["breakdown"][placement]["jpeg_100x100"]["inference"] * 1000
        yield (
            f"* {placement}: the model needs {flops / 1e6:.2f} MFLOPs per image; float32 "
            f"matmul runs at {gflops:.0f} GFLOP/s here, a compute-bound floor of "
            f"{floor_us:.1f} µs against {inference:.0f} µs measured for one "
            f"`session.run`: inference is bound by per-call overhead, not arithmetic."
        )


def _targets(results: dict[str, Any], placement: str):
    cold = results["cold"][placement]
    warm = results["warm"][placement]
    breakdown = results["breakdown"][placement]
    onnx_cold = cold["onnx"]["inside"]["median"]
    rows = [
        ("Cold start, median", "≤ 0.35 s", f"{onnx_cold:.3f} s", onnx_cold <= 0.35),
        (
            "Cold start vs TensorFlow",
            "≥ 12× faster",
            _ratio(cold["keras"]["inside"]["median"], onnx_cold),
            cold["keras"]["inside"]["median"] / onnx_cold >= 12,
        ),
    ]
    small = warm["onnx"]["latency"]["jpeg_100x100"]["p50_ms"]
    rows += [
        ("Warm p50, 100×100 JPEG", "≤ 1.0 ms", f"{small:.3f} ms", small <= 1.0),
        (
            "… vs compiled tf.function",
            "≥ 3× faster",
            _ratio(warm["keras"]["latency"]["jpeg_100x100"]["p50_ms"], small),
            warm["keras"]["latency"]["jpeg_100x100"]["p50_ms"] / small >= 3,
        ),
    ]
    if "litert" in warm:
        litert = warm["litert"]["latency"]["jpeg_100x100"]["p50_ms"]
        rows.append(("… vs LiteRT", "faster", _ratio(litert, small), litert > small))
    big = warm["onnx"]["latency"]["jpeg_4000x3000"]["p50_ms"]
    rows.append(("Warm p50, 4000×3000 JPEG", "≤ 40 ms", f"{big:.1f} ms", big <= 40))
    ratios = {IMAGES[i]: s["overhead_ratio"] for i, s in breakdown.items()}
    worst = max(ratios, key=ratios.get)
    rows.append(
        (
            "Handler overhead",
            "≤ 1.3× (decode + inference)",
            f"{ratios['100×100 JPEG']:.2f}× (100×100), worst {ratios[worst]:.2f}× ({worst})",
            max(ratios.values()) <= 1.3,
        )
    )
    if "peak_rss_at_mark_mb" in warm["onnx"]:
        peak, growth = warm["onnx"]["peak_rss_at_mark_mb"], warm["onnx"]["rss_growth_mb"]
        rows.append(("Peak RSS after 1,000 requests", "≤ 150 MB", f"{peak:.0f} MB", peak <= 150))
        rows.append(("RSS growth, 1,000 → 5,000", "≤ 5 MB", f"{growth:+.2f} MB", growth <= 5))
    if results["packages"]:
        size = results["packages"]["onnx"]["unzipped_mb"]
        rows.append(("Deploy package, unzipped", "≤ 120 MB", f"{size:.1f} MB", size <= 120))
    yield f"## Targets ({placement})"
    yield ""
    yield "| figure | target | measured | met |"
    yield "| --- | --- | --- | --- |"
    for figure, target, measured, met in rows:
        yield f"| {figure} | {target} | {measured} | {'yes' if met else '**no**'} |"
    yield ""
    missed = {figure for figure, _, _, met in rows if not met}
    if missed:
        yield "Where a target is missed, the measurement that shows why:"
        yield ""
        yield from _why(results, placement, missed)
        yield ""


def _why(results: dict[str, Any], placement: str, missed: set[str]):
    warm = results["warm"][placement]
    stages = results["breakdown"][placement]["jpeg_100x100"]
    engine = {impl: figures["inference_only"]["p50_ms"] * 1000 for impl, figures in warm.items()}
    shared = stages["decode"] + stages["resize"] + stages["event_parsing"] + stages["payload"]
    if "… vs compiled tf.function" in missed:
        yield (
            f"* **vs tf.function.** The engines alone differ by "
            f"{engine['keras'] / engine['onnx']:.0f}× ({engine['onnx']:.1f} µs against "
            f"{engine['keras']:.0f} µs), but both handlers share the same parsing, base64 "
            f"and decoding, {shared * 1000:.0f} µs of a 100×100 request, which caps the "
            "handler-level ratio. The 2–3 ms tf.function figure in the reference was for a "
            "larger CNN; this 8×8 digits model makes the TensorFlow call cheap too."
        )
    if "… vs LiteRT" in missed and "litert" in engine:
        yield (
            f"* **vs LiteRT.** LiteRT's XNNPACK kernels run this 0.6-MFLOP model in "
            f"{engine['litert']:.1f} µs against onnxruntime's {engine['onnx']:.1f} µs, a "
            f"{engine['onnx'] - engine['litert']:.1f} µs gap per call that no session "
            "option closed (see below): per-call overhead on a model whose compute floor "
            "is a few microseconds." + _litert_size_note(results)
        )
    if "Handler overhead" in missed:
        core = stages["decode"] + stages["resize"] + stages["inference"]
        inherent = stages["event_parsing"] + stages["payload"] + stages["response"]
        yield (
            f"* **Handler overhead.** Decode, resize and inference take {core * 1000:.0f} µs "
            f"for a 100×100 JPEG; parsing the 5 KB event, base64 and the JSON response "
            f"alone take {inherent * 1000:.0f} µs, so even a handler with no other cost would "
            f"be at {(core + inherent) / core:.2f}×. Routing, logging and building the "
            f"response add the remaining {(stages['handler_total'] - core - inherent) * 1000:.0f}"
            " µs. The ratio falls as images grow (see the breakdown)."
        )
    if "Warm p50, 4000×3000 JPEG" in missed:
        big = results["breakdown"][placement]["jpeg_4000x3000"]
        yield (
            f"* **4000×3000 JPEG.** Entropy-decoding the 2.5 MB file takes "
            f"{big['decode']:.0f} ms even at 1/8 scale; base64 and JSON parsing of the "
            f"3.3 MB event take {big['payload'] + big['event_parsing']:.0f} ms more."
        )


def _litert_size_note(results: dict[str, Any]) -> str:
    sizes = results["packages"]
    if "litert" not in sizes:
        return ""
    return (
        f" Its deploy package is {sizes['litert']['unzipped_mb']:.0f} MB against "
        f"{sizes['onnx']['unzipped_mb']:.0f} MB here."
    )
