"""Pass or fail of each performance target, computed from the typed results of one run.

The report renders these rows and explains each missed one by its Goal, never by its label,
so rewording a row cannot silently drop its explanation. "This project" is the graph serving
loads on the run's CPU (ModelResults.ours): float, or int8 where the CPU runs int8 fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from classifier_bench.results import PHOTO, ModelResults, Results
from image_classifier.graph_choice import FAST_INT8_FLAGS

# The model the targets are about: the default photo recipe's.
HEADLINE = "efficientnet_lite0"
INT8_SPEEDUP = 1.7
INT8_TARGET = (
    f"≥ {INT8_SPEEDUP}× faster than float with VNNI/AMX (≥ 99 % agreement, ≤ 0.5 points "
    "lost); elsewhere serving loads the faster graph"
)


class Goal(StrEnum):
    WARM_VS_LITERT = "warm p50 vs LiteRT"
    WARM_VS_KERAS = "warm p50 vs Keras"
    INFERENCE_VS_FLOOR = "inference vs compute floor"
    COLD_START = "cold start"
    COLD_VS_KERAS = "cold start vs Keras"
    HANDLER_OVERHEAD = "handler overhead"
    INT8 = "int8"
    PEAK_RSS = "peak RSS"
    RSS_GROWTH = "RSS growth"
    DEPLOY_PACKAGE = "deploy package"


COLD_GOALS = frozenset({Goal.COLD_START, Goal.COLD_VS_KERAS})
MEMORY_GOALS = frozenset({Goal.PEAK_RSS, Goal.RSS_GROWTH})


@dataclass(frozen=True)
class TargetRow:
    """One line of the targets table: what is measured, the target, the figures, the verdict."""

    goal: Goal
    figure: str
    target: str
    measured: str
    met: bool


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}×" if denominator else "n/a"


def fast_int8(results: Results) -> bool:
    """Whether the run's CPU has the instructions serving asks of int8."""
    return bool(FAST_INT8_FLAGS.intersection(results.machine.flags))


def shipped_graphs_mb(model: ModelResults) -> float:
    """The graphs a deployment of this model ships: float, and int8 when the card keeps it."""
    kept = model.card.int8 is not None and model.card.int8.kept
    shipped = ("onnx", "onnx-int8") if kept else ("onnx",)
    return sum(model.graph_bytes.get(e, 0) for e in shipped) / 1e6


def photo_package_mb(results: Results, name: str) -> float | None:
    """`sls package` ships the default digits model; swap its graph for the photo model's."""
    package = results.packages.get("onnx")
    digits = results.models.get("digits")
    if package is None or digits is None:
        return None
    model = results.models[name]
    return package.unzipped_mb + shipped_graphs_mb(model) - digits.onnx_bytes / 1e6


def target_rows(results: Results) -> list[TargetRow]:
    """The verdicts for the headline model, in the order the report lists them."""
    model = results.models[HEADLINE]
    return [
        *_speed(results, model),
        *_cold(model),
        _overhead(model),
        *_int8(results, model),
        *_memory(model),
        *_package(results),
    ]


def _speed(results: Results, model: ModelResults) -> list[TargetRow]:
    ours = model.warm_p50_ms(model.ours)
    floor = results.rates["pinned"].floor_ms(model.flops)
    engine = model.inference_ms(model.ours)
    rows = []
    best = model.best_litert()
    if best is not None:
        litert = model.warm_p50_ms(best)
        rows.append(
            TargetRow(
                Goal.WARM_VS_LITERT,
                f"Warm p50, 640×480 JPEG, vs the best LiteRT variant ({best})",
                "faster",
                f"{ours:.2f} ms vs {litert:.2f} ms ({ratio(litert, ours)})",
                ours < litert,
            )
        )
    keras = model.warm_p50_ms("keras")
    rows.append(
        TargetRow(
            Goal.WARM_VS_KERAS,
            "… vs Keras tf.function",
            "≥ 2× faster",
            f"{keras:.2f} ms, {ratio(keras, ours)}",
            keras / ours >= 2,
        )
    )
    rows.append(
        TargetRow(
            Goal.INFERENCE_VS_FLOOR,
            "Inference alone vs compute floor",
            "≤ 1.5×",
            f"{engine:.3f} ms vs {floor:.3f} ms ({ratio(engine, floor)})",
            engine / floor <= 1.5,
        )
    )
    return rows


def _cold(model: ModelResults) -> list[TargetRow]:
    cold = model.cold_s(model.ours)
    keras_cold = model.cold_s("keras")
    return [
        TargetRow(Goal.COLD_START, "Cold start, median", "≤ 0.3 s", f"{cold:.3f} s", cold <= 0.3),
        TargetRow(
            Goal.COLD_VS_KERAS,
            "Cold start vs Keras",
            "≥ 10× faster",
            f"{keras_cold:.2f} s, {ratio(keras_cold, cold)}",
            keras_cold / cold >= 10,
        ),
    ]


def _overhead(model: ModelResults) -> TargetRow:
    overhead = model.breakdown["pinned"][PHOTO].overhead_ratio
    return TargetRow(
        Goal.HANDLER_OVERHEAD,
        "Handler overhead, 640×480 JPEG",
        "≤ 1.10× (decode + resize + inference)",
        f"{overhead:.2f}×",
        overhead <= 1.10,
    )


def _int8(results: Results, model: ModelResults) -> list[TargetRow]:
    """With VNNI/AMX a kept int8 must be INT8_SPEEDUP times faster; without them, serving must
    load the faster graph; a refused int8 meets it by being refused (serving loads float)."""
    int8 = model.card.int8
    if int8 is None:
        return []
    gate = f"{int8.top1_agreement:.1%} agreement, {int8.accuracy_loss_points:+.1f} points"
    measured = "onnx-int8" in model.warm["pinned"]
    speedup = model.inference_ms("onnx") / model.inference_ms("onnx-int8") if measured else 0
    if not int8.kept:
        speed = f"; {speedup:.2f}× the float speed here, not served" if measured else ""
        return [TargetRow(Goal.INT8, "int8", INT8_TARGET, f"refused: {gate}{speed}", True)]
    if not measured:
        return [TargetRow(Goal.INT8, "int8", INT8_TARGET, "kept, but not measured", False)]
    measured_text = (
        f"kept ({gate}): {speedup:.2f}× the float speed; serving loads {model.served.file}"
    )
    if fast_int8(results):
        met = speedup >= INT8_SPEEDUP and model.ours == "onnx-int8"
        figure = "int8 on a CPU with VNNI/AMX"
        return [TargetRow(Goal.INT8, figure, INT8_TARGET, measured_text, met)]
    faster = "onnx-int8" if speedup > 1 else "onnx"
    figure = "int8 on a CPU without VNNI/AMX"
    return [TargetRow(Goal.INT8, figure, INT8_TARGET, measured_text, model.ours == faster)]


def _memory(model: ModelResults) -> list[TargetRow]:
    """The peak after 1,000 requests, and the growth over at least 4,000 more."""
    memory = model.warm["pinned"][model.ours].memory
    if memory is None:
        return []
    more = memory.requests - memory.mark
    return [
        TargetRow(
            Goal.PEAK_RSS,
            "Peak RSS after 1,000 requests",
            "≤ 200 MB",
            f"{memory.peak_rss_at_mark_mb:.0f} MB (at request {memory.mark})",
            memory.peak_rss_at_mark_mb <= 200,
        ),
        TargetRow(
            Goal.RSS_GROWTH,
            f"RSS growth over {more:,} more",
            "≤ 5 MB",
            f"{memory.growth_mb:+.2f} MB",
            memory.growth_mb <= 5 and more >= 4000,
        ),
    ]


def _package(results: Results) -> list[TargetRow]:
    package = photo_package_mb(results, HEADLINE)
    if package is None:
        return []
    model = results.models[HEADLINE]
    kept = model.card.int8 is not None and model.card.int8.kept
    graphs = "float and int8 graphs" if kept else "float graph"
    return [
        TargetRow(
            Goal.DEPLOY_PACKAGE,
            f"Deploy package, unzipped, with {HEADLINE} ({graphs})",
            "≤ 120 MB",
            f"{package:.1f} MB",
            package <= 120,
        )
    ]
