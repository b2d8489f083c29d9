"""Benchmark this project against a TensorFlow/Keras handler and a LiteRT handler.

Everything runs in one go on this machine, each figure twice: pinned to one CPU with
`taskset -c 0` (Lambda at or below 1769 MB) and unpinned. Writes BENCHMARKS.md, the chart
and the raw results.
The headline figures are ratios between systems measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from classifier_bench.flops import count_flops
from classifier_bench.images import write_events
from classifier_bench.models import BenchModel, bench_models, fused_model_dir, int8_model_dir
from classifier_bench.report import CHART, HEADLINE, RESULTS, write_chart, write_markdown
from classifier_bench.tuning import CONFIGS
from classifier_devtools.paths import ROOT

PLACEMENTS = {"pinned": True, "unpinned": False}


@dataclass(frozen=True)
class Effort:
    """How many samples each figure gets; `--quick` shrinks them for the smoke test."""

    cold_runs: int
    iterations: int
    memory_requests: int  # this project, pinned, headline model: the RSS target's 1,000 + 4,000
    peer_memory_requests: int  # everything else: RSS at 1,000 and growth over 1,000 more
    tuning_reps: int
    tuning_runs: int

    def scaled(self, flops: int) -> Effort:
        """Fewer samples for a heavier graph, so that `make bench` stays under 15 minutes."""
        factor = min(1.0, max(0.25, 0.2e9 / flops))
        return replace(
            self,
            iterations=max(10, int(self.iterations * factor)),
            tuning_runs=max(10, int(self.tuning_runs * factor)),
        )


FULL = Effort(5, 200, 5000, 1000, 3, 200)
QUICK = Effort(1, 20, 100, 100, 1, 30)


def log(message: str) -> None:
    print(message, flush=True)


def worker_env(impl: str, pinned: bool, model_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["BENCH_PINNED"] = "1" if pinned else "0"
    env["MODEL_DIR"] = str(model_dir.resolve())
    if impl.startswith("onnx") and not pinned:
        # What the production code does on a 2-vCPU function (>= 3538 MB): two threads.
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "3538"
    return env


def run_process(
    module: str, args: list[str], pinned: bool, env: dict[str, str]
) -> tuple[dict, float, str]:
    """One measured child process; returns its BENCH JSON line, its wall time and its stderr."""
    command = [sys.executable, "-m", module, *args]
    if pinned:
        command = ["taskset", "-c", "0", *command]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    wall = time.perf_counter() - started
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{module} {' '.join(args)} failed: {result.stderr[-2000:]}")
    return json.loads(lines[-1][6:]), wall, result.stderr


@dataclass
class Target:
    """One model's files as each implementation needs them."""

    model: BenchModel
    dirs: dict[str, Path]  # this project's variants: onnx, and onnx-int8 in its own directory
    tflite: Path | None

    def run(self, impl: str, mode: str, events: Path, pinned: bool, *extra: str):
        model_dir = self.dirs.get(impl, self.model.model_dir)
        worker_impl = "onnx" if impl.startswith("onnx") else impl
        args = [worker_impl, mode, str(events), "--model-dir", str(model_dir)]
        if self.tflite:
            args += ["--tflite", str(self.tflite)]
        env = worker_env(impl, pinned, model_dir)
        measured, wall, _ = run_process("classifier_bench.worker", [*args, *extra], pinned, env)
        return measured, wall


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def cold_starts(target: Target, impls: list[str], events: Path, runs: int, placements) -> dict:
    results: dict = {}
    for placement, pinned in placements.items():
        count = runs if pinned else max(1, runs - 2)
        inside: dict[str, list[float]] = {impl: [] for impl in impls}
        wall: dict[str, list[float]] = {impl: [] for impl in impls}
        for run in range(count):
            # Keras takes seconds per cold start: fewer runs, still interleaved with the rest.
            this_round = [i for i in impls if i != "keras" or run < max(1, count - 2)]
            for impl in this_round:
                measured, elapsed = target.run(impl, "cold", events, pinned)
                inside[impl].append(measured["cold_start_s"])
                wall[impl].append(elapsed)
            log(
                f"  cold start {placement}, run {run + 1}/{count}: "
                + ", ".join(f"{impl} {inside[impl][-1]:.3f} s" for impl in this_round)
            )
        results[placement] = {
            impl: {"inside": spread(inside[impl]), "wall": spread(wall[impl])} for impl in impls
        }
    return results


def warm_runs(target: Target, impls: list[str], events: Path, effort: Effort, placements) -> dict:
    results: dict = {}
    for placement, pinned in placements.items():
        results[placement] = {}
        for impl in impls:
            if impl == "keras-eager":
                requests = 0
            elif impl == "onnx" and pinned and target.model.name == HEADLINE:
                requests = effort.memory_requests
            else:
                requests = effort.peer_memory_requests
            iterations = effort.iterations // 4 if impl == "keras-eager" else effort.iterations
            measured, _ = target.run(
                impl,
                "warm",
                events,
                pinned,
                "--iterations",
                str(iterations),
                "--memory-requests",
                str(requests),
            )
            results[placement][impl] = measured
            log(
                f"  warm {placement} {impl}: p50 640x480 "
                f"{measured['latency']['jpeg_640x480']['p50_ms']:.3f} ms, inference "
                f"{measured['inference_only']['p50_ms']:.3f} ms, "
                f"{measured['throughput_images_per_s']:.0f} images/s"
            )
    return results


def throughput_rates(pinned: bool) -> dict[str, float]:
    """The machine's GEMM and depthwise-convolution speed through onnxruntime's kernels."""
    command = [sys.executable, "-m", "classifier_bench.flops", "1" if pinned else "2"]
    if pinned:
        command = ["taskset", "-c", "0", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def tuning(target: Target, workdir: Path, effort: Effort) -> dict:
    """Each session option in its own fresh pinned process, interleaved, median of reps."""
    model_dir = target.dirs["onnx"]
    preoptimised = {}
    for level in ("basic", "extended"):
        path = workdir / f"{target.model.name}.{level}.onnx"
        code = (
            "import sys; from pathlib import Path; "
            "from classifier_bench.tuning import save_preoptimised; "
            "save_preoptimised(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(model_dir / "model.onnx"), level, str(path)],
            check=True,
            capture_output=True,
        )
        preoptimised[level] = path
    samples: dict[str, list[dict]] = {config: [] for config in CONFIGS}
    env = worker_env("onnx", True, model_dir)
    reps = effort.tuning_reps if target.model.name == HEADLINE else max(1, effort.tuning_reps - 1)
    for _ in range(reps):
        for config in CONFIGS:
            args = [str(model_dir), config, "--runs", str(effort.tuning_runs)]
            if config.startswith("preopt_"):
                args += ["--model", str(preoptimised[config.split("_")[1]])]
            measured, _, _ = run_process("classifier_bench.tuning", args, True, env)
            samples[config].append(measured)
    # Two threads (a >= 3538 MB function, unpinned) is where spinning can matter.
    env2 = worker_env("onnx", False, model_dir)
    for config in ("production", "spinning"):
        samples[f"{config}@2threads"] = [
            run_process(
                "classifier_bench.tuning",
                [str(model_dir), config, "--runs", str(effort.tuning_runs)],
                False,
                env2,
            )[0]
            for _ in range(reps)
        ]
    results = {}
    for config, runs in samples.items():
        results[config] = {
            key: statistics.median(run[key] for run in runs)
            for key in runs[0]
            if isinstance(runs[0][key], float)
        }
        results[config]["model_bytes"] = runs[0]["model_bytes"]
        results[config]["n"] = len(runs)
    log(
        "  tuning: "
        + ", ".join(
            f"{config} session {r['session_s'] * 1000:.0f} ms / run {r['warm_p50_ms']:.3f} ms"
            for config, r in results.items()
        )
    )
    return results


def fairness(target: Target) -> dict:
    env = worker_env("litert", True, target.dirs["onnx"])
    measured, _, stderr = run_process(
        "classifier_bench.fairness", [str(target.dirs["onnx"]), str(target.tflite)], True, env
    )
    measured["xnnpack_delegate_logged"] = "XNNPACK delegate" in stderr
    log(
        f"  LiteRT fairness: invoke {measured['invoke_p50_ms_default']:.3f} ms with XNNPACK, "
        f"{measured['invoke_p50_ms_without_xnnpack']:.3f} ms without; "
        f"{measured['subnormal_values']} subnormal values"
    )
    return measured


def convert_tflite(model: BenchModel, workdir: Path) -> Path:
    output = workdir / f"{model.name}.tflite"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "classifier_bench.convert_tflite",
            str(model.model_dir / "model.keras"),
            str(output),
        ],
        check=True,
        capture_output=True,
    )
    return output


def bench_model(
    model: BenchModel, workdir: Path, events: Path, effort: Effort, placements, litert: bool
) -> dict:
    log(f"== {model.name} ({model.model_dir.relative_to(ROOT)})")
    flops = count_flops(model.model_dir / "model.onnx")
    effort = effort.scaled(flops["total"])
    dirs = {"onnx": model.model_dir}
    fused = fused_model_dir(model, workdir)
    if fused:
        dirs["onnx-fused"] = fused
    if model.int8_kept:
        dirs["onnx-int8"] = int8_model_dir(model, workdir)
    target = Target(model, dirs, convert_tflite(model, workdir) if litert else None)
    peers = ["keras", *(["litert"] if litert else [])]
    cold_impls = [*dirs, *peers]
    warm_impls = [*dirs, *peers, *([] if model.photo else ["keras-eager"])]
    log(f"  cold starts: {effort.cold_runs} interleaved runs per implementation")
    result: dict = {
        "card": {
            key: model.metadata.get(key)
            for key in ("name", "version", "input", "backbone", "metrics", "int8")
        },
        "onnx_bytes": (model.model_dir / "model.onnx").stat().st_size,
        "flops": flops,
        "cold": cold_starts(target, cold_impls, events, effort.cold_runs, placements),
        "warm": warm_runs(target, warm_impls, events, effort, placements),
    }
    if target.tflite:
        result["tflite_bytes"] = target.tflite.stat().st_size
    log("  breakdown of this project's request path")
    result["breakdown"] = {
        placement: target.run(
            "onnx", "breakdown", events, pinned, "--iterations", str(effort.iterations)
        )[0]["breakdown_ms"]
        for placement, pinned in placements.items()
    }
    if model.photo:
        result["tuning"] = tuning(target, workdir, effort)
        if target.tflite:
            result["fairness"] = fairness(target)
    return result


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def package_sizes(workdir: Path) -> dict[str, dict]:
    """This project's from `sls package`; the peers' from pip-installing their runtime deps."""
    sizes: dict[str, dict] = {}
    target = workdir / "sls-package"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "sls"), "package", "--package", str(target)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    archive = target / "image-classifier.zip"
    with zipfile.ZipFile(archive) as zipped:
        unzipped = sum(info.file_size for info in zipped.infolist())
    sizes["onnx"] = {
        "unzipped_mb": unzipped / 1e6,
        "zipped_mb": archive.stat().st_size / 1e6,
        "how": "sls package",
    }
    peers = {
        "keras": ["tensorflow-cpu==2.21.0", "keras==3.15.1", "numpy==2.4.6", "pillow==13.0.0"],
        "litert": ["ai-edge-litert==2.3.0", "numpy==2.4.6", "pillow==13.0.0"],
    }
    for impl, requirements in peers.items():
        directory = workdir / f"pip-{impl}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                str(directory),
                *requirements,
            ],
            check=True,
            capture_output=True,
        )
        sizes[impl] = {
            "unzipped_mb": dir_size(directory) / 1e6,
            "zipped_mb": None,
            "how": "pip install --target " + " ".join(requirements),
        }
        shutil.rmtree(directory)
    return sizes


def machine() -> dict[str, str]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    import numpy
    import onnxruntime
    import PIL

    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kb / 2**20:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "onnxruntime": onnxruntime.__version__,
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few iterations, pinned only, mobilenet_v3_small only, no package sizes",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        help="a subset of: " + ", ".join(m.name for m in bench_models()),
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=ROOT,
        help="writes BENCHMARKS.md there and the raw results under tools/classifier_bench/results/",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    events = workdir / "events"
    image_sizes = write_events(events)
    notes = []
    litert = importlib.util.find_spec("ai_edge_litert") is not None
    if not litert:
        notes.append("LiteRT (ai-edge-litert) is not installed here, so it has no figures.")
    placements = {"pinned": True} if args.quick else PLACEMENTS
    effort = QUICK if args.quick else FULL
    names = args.models or (["mobilenet_v3_small"] if args.quick else None)
    models = bench_models(names)
    log("machine throughput: GEMM and depthwise convolution through onnxruntime")
    rates = {placement: throughput_rates(pinned) for placement, pinned in placements.items()}
    per_model = {
        model.name: bench_model(model, workdir, events, effort, placements, litert)
        for model in models
    }
    if args.quick:
        sizes: dict = {}
        notes.append("Quick mode: package sizes were not measured.")
    else:
        log("package sizes")
        sizes = package_sizes(workdir)
    results = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "quick": args.quick,
        "load_average_at_start": os.getloadavg()[0],
        "image_bytes": image_sizes,
        "rates": rates,
        "models": per_model,
        "packages": sizes,
        "notes": notes,
        "seconds": time.perf_counter() - started,
    }
    shutil.rmtree(workdir, ignore_errors=True)
    raw = args.output_dir / RESULTS
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    write_chart(results, args.output_dir / CHART)
    markdown = write_markdown(results, args.output_dir / "BENCHMARKS.md")
    print(markdown)
    log(f"done in {results['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
