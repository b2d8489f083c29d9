"""The parity gate: ONNX Runtime within 1e-5 of Keras, or of a float64 run where Keras itself is
further off; a graph that computes something else is refused either way."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from classifier_training.errors import ParityError
from classifier_training.export import Parity, check_parity, to_onnx
from classifier_training.models import build_cnn, set_seed
from image_classifier.preprocessing import InputSpec

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported():
    set_seed(0)
    model = build_cnn(InputSpec(8, 8, "L"), 3, 4).model
    pixels = np.random.default_rng(0).uniform(0, 255, (40, 8, 8, 1)).astype(np.float32)
    return model, to_onnx(model), pixels


def _scaled_output_weights(onnx_model: bytes, factor: float) -> bytes:
    proto = onnx.load_from_string(onnx_model)
    matmul = next(n for n in proto.graph.node if n.op_type in ("MatMul", "Gemm"))
    weight = next(i for i in proto.graph.initializer if i.name in matmul.input)
    weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight) * factor, weight.name))
    return proto.SerializeToString()


def test_the_exported_graph_passes_without_a_referee(exported):
    model, onnx_model, pixels = exported
    parity = check_parity(model, onnx_model, pixels)
    assert parity.max_abs_diff <= 1e-5 and parity.top1_agreement == 1.0
    assert parity.samples == 40 and parity.refereed == 0


def test_a_graph_that_computes_something_else_is_refused_after_the_referee(exported):
    model, onnx_model, pixels = exported
    with pytest.raises(ParityError, match="from a float64 run of the model"):
        check_parity(model, _scaled_output_weights(onnx_model, 1.01), pixels)


@pytest.mark.parametrize(
    ("parity", "passes"),
    [
        (Parity(4e-6, 1.0, 10), True),
        (Parity(2e-5, 1.0, 10), False),
        # Keras' float32 answer was the one off: ONNX Runtime is within 1e-5 of float64.
        (Parity(2e-5, 1.0, 10, refereed=1, refereed_max_abs_diff=7e-6), True),
        (Parity(2e-5, 1.0, 10, refereed=1, refereed_max_abs_diff=2e-5), False),
        (Parity(4e-6, 0.9, 10), False),
    ],
)
def test_each_image_must_be_within_the_bound_of_keras_or_of_float64(parity, passes):
    assert parity.passes is passes
