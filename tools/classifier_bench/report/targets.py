"""The targets table, and for each missed target, by how much and why, from the run's figures."""

from __future__ import annotations

from collections.abc import Iterator

from classifier_bench.results import PHOTO, ModelResults, Results
from classifier_bench.verdicts import (
    COLD_GOALS,
    HEADLINE,
    MEMORY_GOALS,
    Goal,
    TargetRow,
    ratio,
)


def targets_section(results: Results, rows: list[TargetRow]) -> Iterator[str]:
    yield f"## Targets ({HEADLINE} at 224, pinned to one core)"
    yield ""
    yield "| figure | target | measured | met |"
    yield "| --- | --- | --- | --- |"
    for row in rows:
        yield f"| {row.figure} | {row.target} | {row.measured} | {'yes' if row.met else '**no**'} |"
    yield ""
    missed = {row.goal for row in rows if not row.met}
    if missed:
        yield "Where a target is missed, by how much and why, from this run's own figures:"
        yield ""
        yield from _why(results, missed)
        yield ""


def _why(results: Results, missed: set[Goal]) -> Iterator[str]:
    model = results.models[HEADLINE]
    stages = model.breakdown["pinned"][PHOTO]
    shared = stages.event_parsing + stages.payload + stages.decode + stages.resize
    onnx_engine = model.inference_ms("onnx")
    has_litert = "litert" in model.warm["pinned"]
    if Goal.WARM_VS_LITERT in missed:
        litert_engine = model.inference_ms("litert")
        yield (
            f"* **vs LiteRT: {ratio(model.warm_p50_ms('onnx'), model.warm_p50_ms('litert'))} "
            f"slower at the handler.** The stage where LiteRT wins is inference: XNNPACK runs "
            f"the graph in {litert_engine:.3f} ms against onnxruntime's {onnx_engine:.3f} ms "
            f"({onnx_engine - litert_engine:+.3f} ms a call); everything else "
            f"(parsing, base64, decode, resize: {shared:.2f} ms) is the same code in both."
            + _fused_note(model)
        )
    if Goal.WARM_VS_KERAS in missed:
        keras_engine = model.inference_ms("keras")
        yield (
            f"* **vs Keras: {ratio(model.warm_p50_ms('keras'), model.warm_p50_ms('onnx'))} "
            f"instead of 2×.** The engines alone differ by {ratio(keras_engine, onnx_engine)} "
            f"({onnx_engine:.3f} ms against {keras_engine:.3f} ms), but both handlers share "
            f"{shared:.2f} ms of parsing and decoding for this image, which caps the ratio."
        )
    if Goal.INFERENCE_VS_FLOOR in missed:
        yield _floor_note(results, model, has_litert)
    if missed & COLD_GOALS and "production" in model.tuning:
        production = model.tuning["production"]
        yield (
            f"* **Cold start.** Of {production.init_s:.3f} s of init in the tuning runs, "
            f"imports take {production.imports_s:.3f} s, reading the model "
            f"{production.read_model_s * 1000:.0f} ms, session creation "
            f"{production.session_s * 1000:.0f} ms and the first run "
            f"{production.first_run_s * 1000:.0f} ms (see the tuning section); the rest "
            "of the measured cold start is Python's own start and the first request."
        )
    if Goal.HANDLER_OVERHEAD in missed:
        core = stages.decode + stages.resize + stages.inference
        parsing = stages.event_parsing + stages.payload
        rest = stages.handler_total - core - parsing - stages.response
        yield (
            f"* **Handler overhead: {stages.overhead_ratio:.2f}× instead of 1.10×.** "
            f"Decode, resize and inference take {core:.2f} ms; event parsing and base64 of "
            f"the {results.image_bytes[PHOTO] / 1000:.0f} KB JPEG take "
            f"{parsing:.2f} ms and the response "
            f"{stages.response:.3f} ms, work a JSON-over-HTTP handler cannot skip; the "
            f"rest ({rest:.3f} ms) "
            "is routing and logging."
        )
    memory = model.warm["pinned"]["onnx"]
    if missed & MEMORY_GOALS and memory.memory:
        yield (
            f"* **Memory.** RSS after init {memory.rss_after_init_mb:.0f} MB, peak "
            f"{memory.memory.peak_rss_at_mark_mb:.0f} MB, "
            f"growth {memory.memory.growth_mb:+.2f} MB."
        )


def _floor_note(results: Results, model: ModelResults, has_litert: bool) -> str:
    rates = results.rates["pinned"]
    onnx_engine = model.inference_ms("onnx")
    dense_ms, dw_ms = rates.dense_ms(model.flops), rates.depthwise_ms(model.flops)
    floor = dense_ms + dw_ms
    note = (
        f"* **Compute floor: {ratio(onnx_engine, floor)} instead of 1.5×.** The floor "
        f"is {dense_ms:.3f} ms of dense FLOPs at {rates.matmul_gflops:.0f} GFLOP/s "
        f"plus {dw_ms:.3f} ms of depthwise FLOPs at {rates.depthwise_gflops:.0f} "
        f"GFLOP/s. It counts no element-wise work (hard-swish, squeeze-excite scaling, "
        f"residual adds), no layout changes, and assumes every layer runs at the speed of "
        f"the best-shaped single operator; small late layers (7×7, 14×14) and 1×1 "
        f"convolutions with few channels run far below peak GEMM speed."
    )
    if not has_litert:
        return note
    litert = model.inference_ms("litert")
    return (
        f"{note} LiteRT, with a different kernel library, takes {litert:.3f} ms "
        f"({ratio(litert, floor)} the floor)."
    )


def _fused_note(model: ModelResults) -> str:
    if "onnx-fused" not in model.warm["pinned"]:
        return ""
    return (
        f" Much of the gap is tf2onnx writing each hard-swish as four element-wise nodes "
        f"(Add, Clip, Mul, Mul) that also break onnxruntime's NCHWc layout: with them fused "
        f"into HardSwish/HardSigmoid (`classifier_training.fuse`, outputs unchanged) "
        f"inference takes {model.inference_ms('onnx-fused'):.3f} ms and the handler "
        f"{model.warm_p50_ms('onnx-fused'):.2f} ms."
    )
