"""The comparison tables across models: at a glance, cost, tuning, int8, LiteRT, package."""

from __future__ import annotations

from collections.abc import Iterator

from classifier_bench import cost
from classifier_bench.report.names import NAMES, SHORT
from classifier_bench.results import PHOTO, ModelResults, Results
from classifier_bench.tuning import CONFIGS
from classifier_bench.verdicts import HEADLINE, ratio, shipped_graphs_mb


def glance(results: Results) -> Iterator[str]:
    yield "## The models at a glance (pinned, one core)"
    yield ""
    yield (
        f"On {results.machine.cpu_facts}. "
        "Cold start: a fresh process through imports, init and the first answer. Warm: a "
        "handler call with a 640×480 JPEG. Inference: the engine call alone on one "
        "preprocessed image. Floor: the graph's dense FLOPs at the measured GEMM speed plus "
        "its depthwise FLOPs at the measured depthwise speed (see the compute floor below). "
        "Throughput: batch requests of 16 100×100 JPEGs."
    )
    yield ""
    yield (
        "| model | input | MFLOPs (dense + depthwise) | engine | cold start | warm p50 "
        "| warm p99 | inference p50 | ÷ floor | images/s | peak RSS (at request) |"
    )
    yield "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    rates = results.rates["pinned"]
    for name, model in results.models.items():
        card, flops = model.card, model.flops
        floor = rates.floor_ms(flops)
        for impl, figures in model.warm["pinned"].items():
            cold = f"{model.cold_s(impl):.3f} s" if impl in model.cold["pinned"] else "—"
            memory = figures.memory
            peak_text = (
                f"{memory.peak_rss_at_mark_mb:.0f} MB ({memory.mark:,})"
                if memory and memory.peak_rss_at_mark_mb
                else "—"
            )
            yield (
                f"| {name} | {card.height}×{card.width} {card.color_mode} | "
                f"{flops.total / 1e6:.1f} ({flops.dense / 1e6:.1f} + "
                f"{flops.depthwise / 1e6:.1f}) | {SHORT[impl]} | {cold} | "
                f"{model.warm_p50_ms(impl):.2f} ms | "
                f"{figures.latency[PHOTO].p99_ms:.2f} ms | {model.inference_ms(impl):.3f} ms | "
                f"{model.inference_ms(impl) / floor:.1f}× | "
                f"{figures.throughput_images_per_s:.0f} | "
                f"{peak_text} |"
            )
    yield ""


def costs(results: Results) -> Iterator[str]:
    yield "## Cost per million images on Lambda"
    yield ""
    yield (
        f"From this run's pinned warm p50 for a 640×480 JPEG and pinned cold-start median, on "
        f"{results.machine.cpu_facts} (Lambda does not promise a CPU model). "
        f"Prices: Lambda x86 (us-east-1, first tier) ${cost.PRICE_PER_GB_SECOND:.10f} per "
        f"GB-second and $0.20 per million requests, from aws.amazon.com/lambda/pricing, "
        f"consulted {cost.PRICES_AS_OF}; duration billed per 1 ms rounded up, the INIT phase "
        f"billed too since 1 August 2025. Below 1769 MB a function gets that fraction of one "
        f"vCPU, so the pinned times are scaled by 1769/memory; at 3008 MB one thread gets no "
        f"more than one vCPU. Each cell: warm requests only / with one billed cold start "
        f"every {cost.COLD_EVERY:,} requests. Break-even: images a month at which Lambda "
        f"(at 1769 MB, with cold starts) costs as much as one Rekognition Custom Labels "
        f"inference unit at ${cost.REKOGNITION_PER_HOUR:.0f} an hour "
        f"(${cost.rekognition_monthly():,.0f} a month, {cost.HOURS_PER_MONTH} hours, "
        "billed while running even when idle)."
    )
    yield ""
    header = " | ".join(f"$ per million @ {m} MB" for m in cost.MEMORY_SIZES_MB)
    yield f"| model | engine | warm p50 | cold start | {header} | break-even vs 1 IU |"
    yield "| --- | --- | --- | --- | " + "--- | " * len(cost.MEMORY_SIZES_MB) + "--- |"
    for name, model in results.models.items():
        for impl in model.cold["pinned"]:
            warm_ms, init_s = model.warm_p50_ms(impl), model.cold_s(impl)
            cells = []
            for memory in cost.MEMORY_SIZES_MB:
                figures = cost.per_million(warm_ms, init_s, memory)
                cells.append(f"{figures['warm']:.2f} / {figures['with_cold_starts']:.2f}")
            standard = cost.per_million(warm_ms, init_s, 1769)["with_cold_starts"]
            yield (
                f"| {name} | {SHORT[impl]} | {warm_ms:.2f} ms | {init_s:.2f} s | "
                + " | ".join(cells)
                + f" | {cost.break_even_images_per_month(standard) / 1e6:,.0f} M images/month |"
            )
    yield ""


def tuning(name: str, model: ModelResults) -> Iterator[str]:
    runs = model.tuning
    base = runs["production"]
    yield f"## onnxruntime tuning for a one-vCPU Lambda: {name}"
    yield ""
    yield (
        f"Each configuration in its own fresh process pinned to one core, median of "
        f"{base.n} interleaved runs; the graph is {base.model_bytes / 1e6:.1f} MB. "
        "Init = imports (the handler's modules: onnxruntime, numpy, Pillow, Powertools) + "
        "reading and hashing the model + session creation + the first `session.run`. "
        "Warm = `session.run` p50 on one image afterwards."
    )
    yield ""
    yield (
        "| configuration | imports | read model | session creation | first run | init "
        "| warm run p50 | init vs shipped | warm vs shipped |"
    )
    yield "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for config, figures in runs.items():
        option, _, threads = config.partition("@")
        label = CONFIGS[option] + (
            f", {threads.replace('threads', ' threads')}, unpinned" if threads else ""
        )
        base = runs["production@2threads"] if threads else runs["production"]
        yield (
            f"| {label} | {figures.imports_s * 1000:.0f} ms | "
            f"{figures.read_model_s * 1000:.1f} ms | {figures.session_s * 1000:.1f} ms | "
            f"{figures.first_run_s * 1000:.1f} ms | {figures.init_s * 1000:.0f} ms | "
            f"{figures.warm_p50_ms:.3f} ms | "
            f"{(figures.init_s - base.init_s) * 1000:+.0f} ms | "
            f"{ratio(figures.warm_p50_ms, base.warm_p50_ms)} |"
        )
    yield ""


def int8(results: Results) -> Iterator[str]:
    rows = [(name, m, entry) for name, m in results.models.items() if (entry := m.card.int8)]
    if not rows:
        return
    yield "## int8: onnxruntime's static QDQ and LiteRT's full-integer int8"
    yield ""
    yield (
        "onnxruntime's is made by `scripts/quantize.py` (after `quant_pre_process`), LiteRT's "
        "by its converter from the same `model.keras`; both are calibrated on the same "
        "training images and judged on the trainer's test split against onnxruntime's float "
        "graph. The gate: ≥ 99 % top-1 agreement and ≤ 0.5 points of accuracy lost; "
        "serving loads onnxruntime's int8 only when it passes, and only on a CPU with "
        "AVX-512 VNNI, AVX-VNNI or AMX-INT8 (`image_classifier.graph_choice`). *At "
        "quantisation*: one image, one thread, interleaved, on the CPU the card names; "
        f"*this run*: pinned inference p50 on {results.machine.cpu_facts}."
    )
    yield ""
    yield (
        "| model | graph | format | calibration images | top-1 agreement | float accuracy "
        "| int8 accuracy | verdict | float, this run | int8, this run | int8 ÷ float |"
    )
    yield "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for name, model, entry in rows:
        measured = "onnx-int8" in model.warm["pinned"]
        float_ms = model.inference_ms("onnx")
        int8_ms = model.inference_ms("onnx-int8") if measured else None
        yield (
            f"| {name} | onnxruntime | {entry.format} | {entry.calibration_images} | "
            f"{entry.top1_agreement:.1%} of {entry.test_images} | "
            f"{entry.float_accuracy:.3f} | {entry.int8_accuracy:.3f} | "
            f"{'kept' if entry.kept else 'refused'} | {float_ms:.3f} ms | "
            + (f"{int8_ms:.3f} ms | {ratio(int8_ms, float_ms)} |" if int8_ms else "— | — |")
        )
        lite = model.litert_int8
        if lite and "litert" in model.warm["pinned"] and "litert-int8" in model.warm["pinned"]:
            lite_float, lite_int8 = model.inference_ms("litert"), model.inference_ms("litert-int8")
            yield (
                f"| {name} | LiteRT | {lite.format} | {lite.calibration_images} | "
                f"{lite.top1_agreement:.1%} of {lite.test_images} | "
                f"{lite.float_accuracy:.3f} | {lite.int8_accuracy:.3f} | "
                f"{'passes' if lite.passes_the_gate else 'fails'} the gate (never served) | "
                f"{lite_float:.3f} ms | {lite_int8:.3f} ms | {ratio(lite_int8, lite_float)} |"
            )
    yield ""
    for name, _, entry in rows:
        speed = entry.at_quantisation
        if speed and entry.measured_on:
            yield (
                f"At quantisation ({name}), on {entry.measured_on}: {speed.float_ms:.2f} ms "
                f"float, {speed.int8_ms:.2f} ms int8 ({ratio(speed.int8_ms, speed.float_ms)})."
            )
            yield ""


def fairness(results: Results) -> Iterator[str]:
    rows = [
        (name, impl, checks)
        for name, model in results.models.items()
        for impl, checks in model.fairness.items()
    ]
    if not rows:
        return
    yield "## Is the LiteRT peer fair?"
    yield ""
    yield (
        f"Pinned, one thread, on {results.machine.cpu_facts}. XNNPACK: LiteRT's default "
        "interpreter (which applies the XNNPACK delegate) against the same `.tflite` with its "
        "default delegates switched off, and whether the delegate logged its creation. "
        "Denormals: subnormal float32 values among the weights and every intermediate tensor "
        "of a 640×480 photo's forward pass. Degenerate weights: NaNs, spread of the outputs "
        "across 8 different photos, agreement with onnxruntime's float graph."
    )
    yield ""
    yield (
        "| model | LiteRT graph | invoke, default | invoke, no default delegates | XNNPACK logged "
        "| subnormal values | NaN outputs | output std across photos | top-1 agreement "
        "with onnxruntime | max |Δp| |"
    )
    yield "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for name, impl, f in rows:
        yield (
            f"| {name} | {SHORT[impl]} | {f.invoke_p50_ms_default:.3f} ms | "
            f"{f.invoke_p50_ms_without_xnnpack:.3f} ms | "
            f"{'yes' if f.xnnpack_delegate_logged else 'no'} | "
            f"{f.subnormal_values} of {f.float_values:,} | {f.nan_outputs} | "
            f"{f.output_std_across_images:.3f} | {f.top1_agreement_with_onnx:.0%} | "
            f"{f.max_abs_diff_vs_onnx:.1e} |"
        )
    yield ""
    packages = results.packages
    if "litert" in packages and "onnx" in packages:
        model = results.models.get(HEADLINE)
        cold = (
            f" Cold start for {HEADLINE}: {model.cold_s('litert'):.3f} s against "
            f"{model.cold_s(model.ours):.3f} s."
            if model and "litert" in model.cold["pinned"]
            else ""
        )
        yield (
            f"**Serving through LiteRT instead** would ship ai-edge-litert's "
            f"{packages['litert'].unzipped_mb:.0f} MB (with numpy and Pillow, unslimmed) "
            f"in place of this project's {packages['onnx'].unzipped_mb:.0f} MB package, "
            f"plus a `.tflite` converted from Keras (the ONNX export path would no longer be "
            f"the served artifact).{cold}"
        )
        yield ""


def packages(results: Results) -> Iterator[str]:
    yield "## Deploy package"
    yield ""
    if not results.packages:
        yield "Not measured in this run."
        return
    yield "| engine | unzipped | zipped | measured by |"
    yield "| --- | --- | --- | --- |"
    for impl, size in results.packages.items():
        zipped = f"{size.zipped_mb:.1f} MB" if size.zipped_mb else "—"
        yield f"| {NAMES[impl]} | {size.unzipped_mb:.1f} MB | {zipped} | `{size.how}` |"
    yield ""
    yield (
        "This project's package holds the default digits model; a photo model adds its "
        "graphs: "
        + ", ".join(
            f"{name} {shipped_graphs_mb(model):.1f} MB" for name, model in results.models.items()
        )
        + ". Lambda's limit is 250 MB unzipped."
    )
