"""The results document of one bench run (benchmarks.json), read into typed figures.

BENCHMARKS.md is rendered from this file, also without a rerun, so it is parsed defensively:
a missing or mistyped figure raises FieldError naming where it sits, not a KeyError later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from classifier_bench.json_fields import FieldError, Fields, flat, nested
from classifier_bench.machine import cpu_flags_text

# Where the run's files sit relative to the output directory (the repository root by default).
RESULTS_DIR = Path("tools/classifier_bench/results")
RESULTS_FILE = RESULTS_DIR / "benchmarks.json"
CHART = RESULTS_DIR / "benchmarks.png"
# The image the headline figures use: a phone-sized photo.
PHOTO = "jpeg_640x480"


@dataclass(frozen=True)
class Spread:
    median: float
    min: float
    max: float
    n: int


@dataclass(frozen=True)
class ColdStart:
    """Seconds to the first answer, timed inside the process and as the whole process."""

    inside: Spread
    wall: Spread

    @classmethod
    def parse(cls, f: Fields) -> ColdStart:
        return cls(flat(Spread)(f.fields("inside")), flat(Spread)(f.fields("wall")))


@dataclass(frozen=True)
class Percentiles:
    p50_ms: float
    p90_ms: float
    p99_ms: float
    n: int


@dataclass(frozen=True)
class Memory:
    """RSS at the mark (request 1,000 at most) and its growth by the last request."""

    mark: int
    peak_rss_at_mark_mb: float
    requests: int
    growth_mb: float

    @classmethod
    def parse(cls, f: Fields) -> Memory:
        return cls(
            f.integer("memory_mark"),
            f.number("peak_rss_at_mark_mb"),
            f.integer("memory_requests"),
            f.number("rss_growth_mb"),
        )


@dataclass(frozen=True)
class Warm:
    """One engine's warm figures: handler latency per image, the engine alone, memory."""

    rss_after_init_mb: float
    inference_only: Percentiles
    latency: dict[str, Percentiles]
    throughput_images_per_s: float
    memory: Memory | None  # not measured for Keras eager

    @classmethod
    def parse(cls, f: Fields) -> Warm:
        return cls(
            f.number("rss_after_init_mb"),
            flat(Percentiles)(f.fields("inference_only")),
            f.each("latency", flat(Percentiles)),
            f.number("throughput_images_per_s"),
            Memory.parse(f) if f.has("rss_growth_mb") else None,
        )


@dataclass(frozen=True)
class Stages:
    """Median milliseconds of each stage of this project's request path."""

    event_parsing: float
    payload: float
    decode: float
    resize: float
    inference: float
    response: float
    handler_total: float
    overhead_ratio: float


@dataclass(frozen=True)
class Flops:
    dense: int
    depthwise: int
    total: int


@dataclass(frozen=True)
class Rates:
    """The machine's GFLOP/s through onnxruntime's GEMM and best depthwise kernel."""

    matmul_gflops: float
    depthwise_gflops: float

    def dense_ms(self, flops: Flops) -> float:
        return flops.dense / self.matmul_gflops / 1e6

    def depthwise_ms(self, flops: Flops) -> float:
        return flops.depthwise / self.depthwise_gflops / 1e6

    def floor_ms(self, flops: Flops) -> float:
        """Milliseconds if every dense FLOP ran at GEMM speed, every depthwise one at its best."""
        return self.dense_ms(flops) + self.depthwise_ms(flops)


@dataclass(frozen=True)
class SingleImage:
    float_ms: float
    int8_ms: float

    @classmethod
    def parse(cls, f: Fields) -> SingleImage:
        return cls(f.number("float"), f.number("int8"))


@dataclass(frozen=True)
class Int8:
    """The card's int8 verdict, as scripts/quantize.py wrote it."""

    kept: bool
    format: str
    calibration_images: int
    test_images: int
    top1_agreement: float
    float_accuracy: float
    int8_accuracy: float
    accuracy_loss_points: float
    at_quantisation: SingleImage | None
    measured_on: str | None  # the CPU (and its int8 flags) the single-image times came from

    @classmethod
    def parse(cls, f: Fields) -> Int8:
        return cls(
            f.flag("kept"),
            f.text("format"),
            f.integer("calibration_images"),
            f.integer("test_images"),
            f.number("top1_agreement"),
            f.number("float_accuracy"),
            f.number("int8_accuracy"),
            f.number("accuracy_loss_points"),
            f.optional("single_image_ms", SingleImage.parse),
            f.text("measured_on") if f.has("measured_on") else None,
        )


@dataclass(frozen=True)
class LiteRTInt8:
    """LiteRT's own full-integer int8, judged by the same gate on the same test split."""

    format: str
    calibration_images: int
    test_images: int
    top1_agreement: float
    float_accuracy: float
    int8_accuracy: float
    accuracy_loss_points: float
    passes_the_gate: bool
    measured_on: str


@dataclass(frozen=True)
class Served:
    """The graph this project serves on the run's CPU with MODEL_PRECISION unset, and why."""

    engine: str  # the engine whose figures are this project's headline: onnx or onnx-int8
    file: str
    reason: str


@dataclass(frozen=True)
class Card:
    """What the bench copies from the model's card."""

    height: int
    width: int
    color_mode: str
    backbone: str | None
    int8: Int8 | None

    @classmethod
    def parse(cls, f: Fields) -> Card:
        spec = f.fields("input")
        return cls(
            spec.integer("height"),
            spec.integer("width"),
            spec.text("color_mode"),
            f.optional("backbone", lambda b: b.text("name")),
            f.optional("int8", Int8.parse),
        )


@dataclass(frozen=True)
class TuningRun:
    """One onnxruntime configuration: median seconds of each cold-start stage, warm p50."""

    imports_s: float
    read_model_s: float
    session_s: float
    first_run_s: float
    init_s: float
    warm_p50_ms: float
    model_bytes: int
    n: int


@dataclass(frozen=True)
class Fairness:
    """Whether the LiteRT peer ran as it should: XNNPACK, denormals, degenerate weights."""

    invoke_p50_ms_default: float
    invoke_p50_ms_without_xnnpack: float
    xnnpack_delegate_logged: bool
    subnormal_values: int
    float_values: int
    nan_outputs: int
    output_std_across_images: float
    top1_agreement_with_onnx: float
    max_abs_diff_vs_onnx: float


@dataclass(frozen=True)
class ModelResults:
    """Every figure of one model; placement ("pinned", "unpinned") comes first in each map."""

    card: Card
    served: Served
    onnx_bytes: int
    graph_bytes: dict[str, int]  # engine -> the graph file it loads
    flops: Flops
    cold: dict[str, dict[str, ColdStart]]  # placement -> engine
    warm: dict[str, dict[str, Warm]]  # placement -> engine
    breakdown: dict[str, dict[str, Stages]]  # placement -> image, for the served engine
    tuning: dict[str, TuningRun]  # empty unless a photo model
    fairness: dict[str, Fairness]  # LiteRT variant -> its checks; empty without LiteRT
    litert_int8: LiteRTInt8 | None

    @classmethod
    def parse(cls, f: Fields) -> ModelResults:
        return cls(
            Card.parse(f.fields("card")),
            flat(Served)(f.fields("served")),
            f.integer("onnx_bytes"),
            f.each_integer("graph_bytes"),
            flat(Flops)(f.fields("flops")),
            f.each("cold", nested(ColdStart.parse)),
            f.each("warm", nested(Warm.parse)),
            f.each("breakdown", nested(flat(Stages))),
            f.each("tuning", flat(TuningRun)) if f.has("tuning") else {},
            f.each("fairness", flat(Fairness)) if f.has("fairness") else {},
            f.optional("litert_int8", flat(LiteRTInt8)),
        )

    @property
    def ours(self) -> str:
        """The engine that is this project as deployed on the run's CPU."""
        return self.served.engine

    def best_litert(self, placement: str = "pinned") -> str | None:
        """The LiteRT variant with the lowest warm p50 for the photo, if LiteRT ran."""
        variants = [e for e in self.warm[placement] if e.startswith("litert")]
        return min(variants, key=lambda e: self.warm_p50_ms(e, placement=placement), default=None)

    def cold_s(self, engine: str, placement: str = "pinned") -> float:
        return self.cold[placement][engine].inside.median

    def warm_p50_ms(self, engine: str, image: str = PHOTO, placement: str = "pinned") -> float:
        return self.warm[placement][engine].latency[image].p50_ms

    def inference_ms(self, engine: str, placement: str = "pinned") -> float:
        return self.warm[placement][engine].inference_only.p50_ms


@dataclass(frozen=True)
class Machine:
    cpu: str
    flags: list[str]  # of machine.REPORTED_FLAGS, those the CPU has
    cores: str
    memory: str
    os: str
    python: str
    onnxruntime: str
    numpy: str
    pillow: str

    @classmethod
    def parse(cls, f: Fields) -> Machine:
        texts = {name: f.text(name) for name in ("cpu", "cores", "memory", "os", "python")}
        versions = {name: f.text(name) for name in ("onnxruntime", "numpy", "pillow")}
        return cls(flags=f.texts("flags"), **texts, **versions)

    @property
    def cpu_facts(self) -> str:
        """The CPU and which int8/vector flags it has, to stand next to every figure."""
        return f"{self.cpu} ({cpu_flags_text(self.flags)})"


@dataclass(frozen=True)
class Package:
    unzipped_mb: float
    zipped_mb: float | None  # the peers' sizes come from pip, unzipped only
    how: str

    @classmethod
    def parse(cls, f: Fields) -> Package:
        zipped = f.number("zipped_mb") if f.has("zipped_mb") else None
        return cls(f.number("unzipped_mb"), zipped, f.text("how"))


@dataclass(frozen=True)
class Results:
    created_at: str
    seconds: float
    load_average_at_start: float
    machine: Machine
    notes: list[str]
    image_bytes: dict[str, int]
    rates: dict[str, Rates]  # placement -> rates
    models: dict[str, ModelResults]  # in the order the bench ran them
    packages: dict[str, Package]  # engine -> deploy package; empty in quick mode

    @classmethod
    def from_json(cls, document: object) -> Results:
        f = Fields(document, "")
        load = f.number("load_average_at_start") if f.has("load_average_at_start") else 0.0
        return cls(
            f.text("created_at"),
            f.number("seconds"),
            load,
            Machine.parse(f.fields("machine")),
            f.texts("notes"),
            f.each_integer("image_bytes"),
            f.each("rates", flat(Rates)),
            f.each("models", ModelResults.parse),
            f.each("packages", Package.parse),
        )

    @classmethod
    def load(cls, path: Path) -> Results:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FieldError(f"{path}: not a readable JSON file ({error})") from error
        return cls.from_json(document)
