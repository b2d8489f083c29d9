"""benchmarks.json is read defensively: a bad figure is an error that names where it sits."""

from __future__ import annotations

import pytest

from classifier_bench.json_fields import FieldError
from classifier_bench.results import PHOTO, Results
from tests.bench.sample import SAMPLE


def test_the_trimmed_run_reads_into_typed_figures_in_the_file_order():
    results = Results.load(SAMPLE)
    assert list(results.models) == ["mobilenet_v3_small", "cnn", "digits"]
    model = results.models["mobilenet_v3_small"]
    assert list(model.warm["pinned"]) == ["onnx", "onnx-fused", "keras", "litert"]
    memory = model.warm["pinned"]["onnx"].memory
    assert memory is not None and (memory.mark, memory.requests) == (1000, 5000)
    assert model.card.int8 is not None and not model.card.int8.kept
    assert results.models["digits"].card.int8 is None
    assert results.models["cnn"].tuning == {} and results.models["cnn"].fairness is None
    assert results.image_bytes[PHOTO] == 71468


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["models"]["cnn"]["flops"].pop("dense"), "models.cnn.flops.dense: missing"),
        (
            lambda d: d["models"]["cnn"].update(onnx_bytes="4.9 MB"),
            "models.cnn.onnx_bytes: expected an integer",
        ),
        (
            lambda d: d["models"]["cnn"]["cold"]["pinned"]["onnx"]["inside"].update(median=True),
            "models.cnn.cold.pinned.onnx.inside.median: expected a number",
        ),
        (
            lambda d: d["models"]["cnn"]["warm"].update(pinned=[]),
            "models.cnn.warm.pinned: expected an object",
        ),
        (lambda d: d.update(notes=[1]), "notes: expected a list of strings"),
        (
            lambda d: d["models"]["cnn"]["card"]["int8"].update(kept="yes"),
            "models.cnn.card.int8.kept: expected true or false",
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
    del document["models"]["mobilenet_v3_small"]["tuning"]
    results = Results.from_json(document)
    assert results.load_average_at_start == 0.0
    assert results.models["mobilenet_v3_small"].tuning == {}


@pytest.mark.parametrize("content", [b"[1, 2]", b"{not json", b"\xff\xfe"])
def test_a_file_that_is_not_a_results_object_is_refused(tmp_path, content):
    path = tmp_path / "benchmarks.json"
    path.write_bytes(content)
    with pytest.raises(FieldError):
        Results.load(path)
