"""Pass or fail of each performance target, computed from the typed results of one run.

The report renders these rows and explains each missed one by its Goal, never by its label,
so rewording a row cannot silently drop its explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from classifier_bench.results import PHOTO, ModelResults, Results

# The model the targets are about: the one a photo deployment would ship first.
HEADLINE = "mobilenet_v3_small"
INT8_TARGET = "≥ 1.5× faster, ≤ 0.5 points lost, ≥ 99 % agreement; or refused"


class Goal(StrEnum):
    WARM_VS_LITERT = "warm p50 vs LiteRT"
    WARM_VS_KERAS = "warm p50 vs Keras"
    INFERENCE_VS_FLOOR = "inference vs compute floor"
    FUSED_WARM_VS_LITERT = "fused warm p50 vs LiteRT"
    FUSED_INFERENCE_VS_FLOOR = "fused inference vs compute floor"
    COLD_START = "cold start"
    COLD_START_LARGEST = "cold start, largest graph"
    COLD_VS_KERAS = "cold start vs Keras"
    HANDLER_OVERHEAD = "handler overhead"
    INT8 = "int8"
    PEAK_RSS = "peak RSS"
    RSS_GROWTH = "RSS growth"
    DEPLOY_PACKAGE = "deploy package"


COLD_GOALS = frozenset({Goal.COLD_START, Goal.COLD_START_LARGEST, Goal.COLD_VS_KERAS})
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


def largest_shipped(results: Results) -> str:
    """The model with a backbone whose ONNX graph is largest: the worst case for cold start."""
    photo = {name: m for name, m in results.models.items() if m.card.backbone}
    return max(photo, key=lambda name: photo[name].onnx_bytes)


def photo_package_mb(results: Results, name: str) -> float | None:
    """`sls package` ships the default digits model; swap its graph for the photo model's."""
    package = results.packages.get("onnx")
    digits = results.models.get("digits")
    if package is None or digits is None:
        return None
    return package.unzipped_mb + (results.models[name].onnx_bytes - digits.onnx_bytes) / 1e6


def target_rows(results: Results) -> list[TargetRow]:
    """The verdicts for the headline model, in the order the report lists them."""
    model = results.models[HEADLINE]
    return [
        *_speed(results, model),
        *_cold(results, model),
        _overhead(model),
        *_int8(model),
        *_memory(model),
        *_package(results),
    ]


def _speed(results: Results, model: ModelResults) -> list[TargetRow]:
    warm = model.warm["pinned"]
    onnx = model.warm_p50_ms("onnx")
    floor = results.rates["pinned"].floor_ms(model.flops)
    engine = model.inference_ms("onnx")
    rows = []
    if "litert" in warm:
        rows.append(
            _faster_than_litert(
                Goal.WARM_VS_LITERT, "Warm p50, 640×480 JPEG, vs LiteRT", onnx, model
            )
        )
    keras = model.warm_p50_ms("keras")
    rows.append(
        TargetRow(
            Goal.WARM_VS_KERAS,
            "… vs Keras tf.function",
            "≥ 2× faster",
            f"{keras:.2f} ms, {ratio(keras, onnx)}",
            keras / onnx >= 2,
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
    if "onnx-fused" in warm:
        fused, fused_engine = model.warm_p50_ms("onnx-fused"), model.inference_ms("onnx-fused")
        if "litert" in warm:
            rows.append(
                _faster_than_litert(
                    Goal.FUSED_WARM_VS_LITERT,
                    "… warm p50 vs LiteRT, hard activations fused (as the exporter now writes)",
                    fused,
                    model,
                )
            )
        rows.append(
            TargetRow(
                Goal.FUSED_INFERENCE_VS_FLOOR,
                "… inference vs compute floor, hard activations fused",
                "≤ 1.5×",
                f"{fused_engine:.3f} ms ({ratio(fused_engine, floor)})",
                fused_engine / floor <= 1.5,
            )
        )
    return rows


def _faster_than_litert(goal: Goal, figure: str, ours_ms: float, model: ModelResults) -> TargetRow:
    litert = model.warm_p50_ms("litert")
    measured = f"{ours_ms:.2f} ms vs {litert:.2f} ms ({ratio(litert, ours_ms)})"
    return TargetRow(goal, figure, "faster", measured, ours_ms < litert)


def _cold(results: Results, model: ModelResults) -> list[TargetRow]:
    cold = model.cold_s("onnx")
    largest = largest_shipped(results)
    big = results.models[largest]
    big_cold = big.cold_s("onnx")
    keras_cold = model.cold_s("keras")
    return [
        TargetRow(Goal.COLD_START, "Cold start, median", "≤ 0.3 s", f"{cold:.3f} s", cold <= 0.3),
        TargetRow(
            Goal.COLD_START_LARGEST,
            f"Cold start, largest shipped graph ({largest}, {big.onnx_bytes / 1e6:.1f} MB)",
            "≤ 0.5 s",
            f"{big_cold:.3f} s",
            big_cold <= 0.5,
        ),
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


def _int8(model: ModelResults) -> list[TargetRow]:
    """A kept int8 graph must be measured and faster; a refused one meets it by being refused."""
    int8 = model.card.int8
    if int8 is None:
        return []
    if int8.kept and "onnx-int8" not in model.warm["pinned"]:
        measured = "kept, but not measured in this run"
        return [TargetRow(Goal.INT8, "int8", INT8_TARGET, measured, False)]
    if int8.kept:
        speedup = model.inference_ms("onnx") / model.inference_ms("onnx-int8")
        measured = (
            f"kept: {speedup:.2f}× faster, {int8.accuracy_loss_points:+.1f} points, "
            f"{int8.top1_agreement:.1%} agreement"
        )
        return [TargetRow(Goal.INT8, "int8", INT8_TARGET, measured, speedup >= 1.5)]
    speed = int8.at_quantisation
    timing = (
        f"; int8 {speed.float_ms / speed.int8_ms:.2f}× the float speed at quantisation"
        if speed
        else ""
    )
    measured = (
        f"refused: {int8.top1_agreement:.1%} agreement, "
        f"{int8.accuracy_loss_points:+.1f} points lost{timing}"
    )
    return [TargetRow(Goal.INT8, "int8", INT8_TARGET, measured, True)]


def _memory(model: ModelResults) -> list[TargetRow]:
    """The peak after 1,000 requests, and the growth over at least 4,000 more."""
    memory = model.warm["pinned"]["onnx"].memory
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
    largest = largest_shipped(results)
    package = photo_package_mb(results, largest)
    if package is None:
        return []
    return [
        TargetRow(
            Goal.DEPLOY_PACKAGE,
            f"Deploy package, unzipped, with {largest}",
            "≤ 120 MB",
            f"{package:.1f} MB",
            package <= 120,
        )
    ]
