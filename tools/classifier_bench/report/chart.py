"""The chart under BENCHMARKS.md: cold start, warm handler and inference alone, per engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from classifier_bench.report.names import NAMES, SHORT
from classifier_bench.results import ModelResults, Results

Panel = tuple[str, str, Callable[[ModelResults, str], float]]
PANELS: tuple[Panel, ...] = (
    ("cold", "Cold start, median (s)", lambda m, i: m.cold_s(i)),
    ("warm", "Warm handler p50, 640×480 JPEG (ms)", lambda m, i: m.warm_p50_ms(i)),
    ("warm", "Inference alone p50 (ms); black: compute floor", lambda m, i: m.inference_ms(i)),
)


def write_chart(results: Results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(results.models)
    impls = [i for i in NAMES if any(i in m.warm["pinned"] for m in results.models.values())]
    figure, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    width = 0.8 / len(impls)
    for axis, (kind, title, value) in zip(axes, PANELS, strict=True):
        for index, impl in enumerate(impls):
            xs, ys = [], []
            for x, name in enumerate(models):
                model = results.models[name]
                measured = model.cold["pinned"] if kind == "cold" else model.warm["pinned"]
                if impl in measured:
                    xs.append(x + index * width)
                    ys.append(value(model, impl))
            axis.bar(xs, ys, width, label=SHORT[impl], color=f"C{list(NAMES).index(impl)}")
        axis.set_xticks([x + width * (len(impls) - 1) / 2 for x in range(len(models))], models)
        axis.set_yscale("log")
        axis.set_title(title + ", pinned")
    rates = results.rates["pinned"]
    for x, name in enumerate(models):
        floor = rates.floor_ms(results.models[name].flops)
        axes[2].hlines(floor, x - width / 2, x + 0.8 - width / 2, colors="black")
    axes[1].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
