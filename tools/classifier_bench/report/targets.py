"""The targets table, and for each missed target, by how much and why, from the run's figures."""

from __future__ import annotations

from collections.abc import Iterator

from classifier_bench.results import PHOTO, ModelResults, Results
from classifier_bench.verdicts import (
    COLD_GOALS,
    HEADLINE,
    INT8_SPEEDUP,
    MEMORY_GOALS,
    Goal,
    TargetRow,
    fast_int8,
    ratio,
    shipped_graphs_mb,
)


def targets_section(results: Results, rows: list[TargetRow]) -> Iterator[str]:
    model = results.models[HEADLINE]
    yield f"## Targets ({HEADLINE} at 224, pinned to one core)"
    yield ""
    yield (
        f"On {results.machine.cpu_facts}. This project is the graph serving loads on this CPU "
        f"with `MODEL_PRECISION` unset: `{model.served.file}` ({model.served.reason})."
    )
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
    ours = model.ours
    stages = model.breakdown["pinned"][PHOTO]
    shared = stages.event_parsing + stages.payload + stages.decode + stages.resize
    our_engine = model.inference_ms(ours)
    best = model.best_litert()
    if Goal.WARM_VS_LITERT in missed and best is not None:
        litert_engine = model.inference_ms(best)
        yield (
            f"* **vs LiteRT ({best}): {ratio(model.warm_p50_ms(ours), model.warm_p50_ms(best))} "
            f"slower at the handler.** The stage where LiteRT wins is inference: it runs "
            f"the graph in {litert_engine:.3f} ms against onnxruntime's {our_engine:.3f} ms "
            f"({our_engine - litert_engine:+.3f} ms a call); everything else "
            f"(parsing, base64, decode, resize: {shared:.2f} ms) is the same code in both."
        )
    if Goal.WARM_VS_KERAS in missed:
        keras_engine = model.inference_ms("keras")
        yield (
            f"* **vs Keras: {ratio(model.warm_p50_ms('keras'), model.warm_p50_ms(ours))} "
            f"instead of 2×.** The engines alone differ by {ratio(keras_engine, our_engine)} "
            f"({our_engine:.3f} ms against {keras_engine:.3f} ms), but both handlers share "
            f"{shared:.2f} ms of parsing and decoding for this image, which caps the ratio."
        )
    if Goal.INFERENCE_VS_FLOOR in missed:
        yield _floor_note(results, model, best)
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
    if Goal.INT8 in missed and "onnx-int8" in model.warm["pinned"]:
        yield _int8_note(results, model)
    memory = model.warm["pinned"][ours]
    if missed & MEMORY_GOALS and memory.memory:
        yield (
            f"* **Memory.** RSS after init {memory.rss_after_init_mb:.0f} MB, peak "
            f"{memory.memory.peak_rss_at_mark_mb:.0f} MB, "
            f"growth {memory.memory.growth_mb:+.2f} MB. The other engines' peaks on the same "
            "requests: "
            + ", ".join(
                f"{engine} {figures.memory.peak_rss_at_mark_mb:.0f} MB "
                f"(at request {figures.memory.mark:,})"
                for engine, figures in model.warm["pinned"].items()
                if engine != ours and figures.memory
            )
            + "."
        )
    if Goal.DEPLOY_PACKAGE in missed:
        yield (
            f"* **Deploy package.** The graphs alone take {shipped_graphs_mb(model):.1f} MB "
            f"({', '.join(f'{e} {b / 1e6:.1f} MB' for e, b in model.graph_bytes.items())})."
        )


def _int8_note(results: Results, model: ModelResults) -> str:
    float_ms, int8_ms = model.inference_ms("onnx"), model.inference_ms("onnx-int8")
    where = results.machine.cpu_facts
    if fast_int8(results):
        return (
            f"* **int8: {float_ms / int8_ms:.2f}× instead of {INT8_SPEEDUP}×.** On {where}, "
            f"inference takes {int8_ms:.3f} ms in int8 against {float_ms:.3f} ms in float."
        )
    return (
        f"* **int8 on a CPU without int8 dot products.** On {where}, int8 inference takes "
        f"{int8_ms:.3f} ms against {float_ms:.3f} ms in float, yet serving loads "
        f"`{model.served.file}`: the CPU policy in image_classifier.graph_choice is wrong here."
    )


def _floor_note(results: Results, model: ModelResults, best: str | None) -> str:
    rates = results.rates["pinned"]
    our_engine = model.inference_ms(model.ours)
    dense_ms, dw_ms = rates.dense_ms(model.flops), rates.depthwise_ms(model.flops)
    floor = dense_ms + dw_ms
    note = (
        f"* **Compute floor: {ratio(our_engine, floor)} instead of 1.5×.** The floor "
        f"is {dense_ms:.3f} ms of dense FLOPs at {rates.matmul_gflops:.0f} GFLOP/s "
        f"plus {dw_ms:.3f} ms of depthwise FLOPs at {rates.depthwise_gflops:.0f} "
        f"GFLOP/s (float kernels). It counts no element-wise work (ReLU6 clips, residual "
        f"adds), no layout changes, and assumes every layer runs at the speed of the "
        f"best-shaped single operator; small late layers (7×7, 14×14) and 1×1 convolutions "
        f"with few channels run below peak GEMM speed."
    )
    if best is None:
        return note
    litert = model.inference_ms(best)
    return (
        f"{note} LiteRT ({best}), with a different kernel library, takes {litert:.3f} ms "
        f"({ratio(litert, floor)} the floor)."
    )
