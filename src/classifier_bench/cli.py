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
from datetime import UTC, datetime
from pathlib import Path

from classifier_bench.flops import count_flops
from classifier_bench.images import write_events
from classifier_bench.report import CHART, RESULTS, write_chart, write_markdown
from classifier_devtools.paths import MODEL_DIR, ROOT

COLD_IMPLS = ["onnx", "keras", "litert"]
WARM_IMPLS = ["onnx", "keras", "keras-eager", "litert"]
PLACEMENTS = {"pinned": True, "unpinned": False}


def log(message: str) -> None:
    print(message, flush=True)


def worker_env(impl: str, pinned: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["BENCH_PINNED"] = "1" if pinned else "0"
    if impl == "onnx" and not pinned:
        # What the production code does on a 2-vCPU function (>= 3538 MB): two threads.
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "3538"
    return env


def run_worker(impl: str, mode: str, events: Path, pinned: bool, *extra: str) -> tuple[dict, float]:
    command = [sys.executable, "-m", "classifier_bench.worker", impl, mode, str(events), *extra]
    if pinned:
        command = ["taskset", "-c", "0", *command]
    started = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, env=worker_env(impl, pinned), timeout=900
    )
    wall = time.perf_counter() - started
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{impl} {mode} failed: {result.stderr[-2000:]}")
    return json.loads(lines[-1][6:]), wall


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def cold_starts(impls: list[str], events: Path, runs: int, placements: dict) -> dict:
    results: dict = {}
    for placement, pinned in placements.items():
        inside: dict[str, list[float]] = {impl: [] for impl in impls}
        wall: dict[str, list[float]] = {impl: [] for impl in impls}
        for run in range(runs):
            for impl in impls:
                measured, elapsed = run_worker(impl, "cold", events, pinned)
                inside[impl].append(measured["cold_start_s"])
                wall[impl].append(elapsed)
            log(
                f"  cold start {placement}, run {run + 1}/{runs}: "
                + ", ".join(f"{impl} {inside[impl][-1]:.3f} s" for impl in impls)
            )
        results[placement] = {
            impl: {"inside": spread(inside[impl]), "wall": spread(wall[impl])} for impl in impls
        }
    return results


def warm_runs(
    impls: list[str], events: Path, iterations: int, memory: int, placements: dict
) -> dict:
    results: dict = {}
    for placement, pinned in placements.items():
        results[placement] = {}
        for impl in impls:
            requests = 0 if impl == "keras-eager" else memory
            measured, _ = run_worker(
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
                f"  warm {placement} {impl}: p50 100x100 "
                f"{measured['latency']['jpeg_100x100']['p50_ms']:.3f} ms, "
                f"{measured['throughput_images_per_s']:.0f} images/s"
            )
    return results


def matmul_gflops(pinned: bool) -> float:
    code = "from classifier_bench.flops import matmul_gflops; print(matmul_gflops())"
    command = [sys.executable, "-c", code]
    env = dict(os.environ)
    if pinned:
        command = ["taskset", "-c", "0", *command]
        env["OPENBLAS_NUM_THREADS"] = "1"
    return float(
        subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout.strip()
    )


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
        help="a few iterations, pinned only, no package sizes (smoke test)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=ROOT,
        help="writes BENCHMARKS.md there and the raw results under src/classifier_bench/results/",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    events = workdir / "events"
    image_sizes = write_events(events)
    impls_cold, impls_warm = list(COLD_IMPLS), list(WARM_IMPLS)
    notes = []
    if importlib.util.find_spec("ai_edge_litert") is None:
        impls_cold.remove("litert")
        impls_warm.remove("litert")
        notes.append("LiteRT (ai-edge-litert) is not installed here, so it has no figures.")
    else:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "classifier_bench.convert_tflite",
                str(MODEL_DIR / "model.keras"),
                str(events / "model.tflite"),
            ],
            check=True,
            capture_output=True,
        )
    placements = {"pinned": True} if args.quick else PLACEMENTS
    runs, iterations, memory = (2, 20, 100) if args.quick else (10, 300, 5000)

    log(f"cold starts: {runs} interleaved runs per implementation")
    cold = cold_starts(impls_cold, events, runs, placements)
    log("warm latency, throughput and memory")
    warm = warm_runs(impls_warm, events, iterations, memory, placements)
    log("breakdown of this project's request path")
    breakdown = {
        placement: run_worker("onnx", "breakdown", events, pinned, "--iterations", str(iterations))[
            0
        ]["breakdown_ms"]
        for placement, pinned in placements.items()
    }
    flops = count_flops(MODEL_DIR / "model.onnx")
    gflops = {placement: matmul_gflops(pinned) for placement, pinned in placements.items()}
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
        "image_bytes": image_sizes,
        "cold": cold,
        "warm": warm,
        "breakdown": breakdown,
        "flops": flops,
        "matmul_gflops": gflops,
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
