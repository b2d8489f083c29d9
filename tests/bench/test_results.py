"""benchmarks.json is read defensively: a bad figure is an error that names where it sits."""

from __future__ import annotations

import pytest

from classifier_bench.json_fields import FieldError
from classifier_bench.results import PHOTO, Results
from classifier_bench.verdicts import HEADLINE
from tests.bench.sample import SAMPLE


def test_the_trimmed_run_reads_into_typed_figures_in_the_file_order():
    results = Results.load(SAMPLE)
    assert list(results.models) == [HEADLINE, "digits"]
    model = results.models[HEADLINE]
    assert list(model.warm["pinned"]) == ["onnx", "onnx-int8", "keras", "litert", "litert-int8"]
    assert model.served.engine == "onnx" and model.served.file == "model.onnx"
    memory = model.warm["pinned"][model.ours].memory
    assert memory is not None and (memory.mark, memory.requests) == (1000, 5000)
    assert model.card.int8 is not None and not model.card.int8.kept
    assert model.litert_int8 is not None and model.litert_int8.test_images == 225
    assert set(model.fairness) == {"litert", "litert-int8"}
    assert results.machine.flags == ["avx2"]
    assert results.models["digits"].card.int8 is None
    assert results.models["digits"].tuning == {} and results.models["digits"].fairness == {}
    assert results.image_bytes[PHOTO] == 71468


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["models"]["digits"]["flops"].pop("dense"),
            "models.digits.flops.dense: missing",
        ),
        (
            lambda d: d["models"]["digits"].update(onnx_bytes="4.9 MB"),
            "models.digits.onnx_bytes: expected an integer",
        ),
        (
            lambda d: d["models"]["digits"]["cold"]["pinned"]["onnx"]["inside"].update(median=True),
            "models.digits.cold.pinned.onnx.inside.median: expected a number",
        ),
        (
            lambda d: d["models"]["digits"]["warm"].update(pinned=[]),
            "models.digits.warm.pinned: expected an object",
        ),
        (lambda d: d.update(notes=[1]), "notes: expected a list of strings"),
        (
            lambda d: d["models"][HEADLINE]["card"]["int8"].update(kept="yes"),
            f"models.{HEADLINE}.card.int8.kept: expected true or false",
        ),
        (
            lambda d: d["models"][HEADLINE]["served"].pop("file"),
            f"models.{HEADLINE}.served.file: missing",
        ),
        (
            lambda d: d["machine"].update(flags="avx2"),
            "machine.flags: expected a list of strings",
        ),
    ],
)
def test_a_missing_or_mistyped_figure_is_named(document, change, message):
    change(document)
    with pytest.raises(FieldError) as raised:
        Results.from_json(document)
    assert str(raised.value) == message


def test_optional_figures_may_be_absent(document):
    del document["load_average_at_start"]
    del document["models"][HEADLINE]["tuning"]
    del document["models"][HEADLINE]["litert_int8"]
    results = Results.from_json(document)
    assert results.load_average_at_start == 0.0
    assert results.models[HEADLINE].tuning == {}
    assert results.models[HEADLINE].litert_int8 is None


@pytest.mark.parametrize("content", [b"[1, 2]", b"{not json", b"\xff\xfe"])
def test_a_file_that_is_not_a_results_object_is_refused(tmp_path, content):
    path = tmp_path / "benchmarks.json"
    path.write_bytes(content)
    with pytest.raises(FieldError):
        Results.load(path)
