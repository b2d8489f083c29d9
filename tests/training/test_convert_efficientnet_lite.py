"""The EfficientNet-Lite converter on synthetic state dicts written in torch's legacy format."""

from __future__ import annotations

import numpy as np
import pytest

from classifier_training.convert_efficientnet_lite import (
    TRANSPOSES,
    convert,
    expected_shapes,
    name_table,
)
from classifier_training.lite_architecture import CONFIGS, block_specs
from classifier_training.torch_state import StateDictError, read_state_dict
from tests.support.legacy_torch import legacy_bytes

LITE0 = CONFIGS["efficientnet_lite0"]


def synthetic_state(config=LITE0, seed=0) -> dict[str, np.ndarray]:
    """Random tensors in torch's layouts, under lukemelas' names, for every mapped layer."""
    rng = np.random.default_rng(seed)
    shapes = expected_shapes(config)
    state = {}
    for torch_name, (keras_name, kind) in name_table(config).items():
        keras_shapes = shapes[keras_name]
        if kind == "bn":
            parts = ["weight", "bias", "running_mean", "running_var"]
            for part, shape in zip(parts, keras_shapes, strict=True):
                state[f"{torch_name}.{part}"] = rng.uniform(0.5, 1.5, shape).astype(np.float32)
            state[f"{torch_name}.num_batches_tracked"] = np.array(0, dtype=np.int64)
        elif kind == "dense":
            state[f"{torch_name}.weight"] = rng.normal(size=keras_shapes[0][::-1]).astype(
                np.float32
            )
            state[f"{torch_name}.bias"] = rng.normal(size=keras_shapes[1]).astype(np.float32)
        else:
            inverse = np.argsort(TRANSPOSES[kind])
            torch_shape = tuple(np.array(keras_shapes[0])[inverse])
            state[f"{torch_name}.weight"] = rng.normal(size=torch_shape).astype(np.float32)
    return state


def test_block_list_matches_the_published_architectures():
    assert len(block_specs(CONFIGS["efficientnet_lite0"])) == 16
    assert len(block_specs(CONFIGS["efficientnet_lite1"])) == 21
    lite2 = block_specs(CONFIGS["efficientnet_lite2"])
    assert len(lite2) == 21
    assert [lite2[0].inputs, lite2[-1].outputs] == [32, 352]


def test_every_tensor_lands_in_its_layer_in_keras_layout():
    state = synthetic_state()
    converted = convert(read_state_dict(legacy_bytes(state)), LITE0)
    np.testing.assert_array_equal(
        converted["stem_conv"][0], state["_conv_stem.weight"].transpose(2, 3, 1, 0)
    )
    np.testing.assert_array_equal(
        converted["block3_dwconv"][0],
        state["_blocks.3._depthwise_conv.weight"].transpose(2, 3, 0, 1),
    )
    np.testing.assert_array_equal(converted["imagenet_fc"][0], state["_fc.weight"].T)
    np.testing.assert_array_equal(converted["head_bn"][3], state["_bn1.running_var"])
    assert sum(len(v) for v in converted.values()) == len(
        [k for k in state if not k.endswith("num_batches_tracked")]
    )


@pytest.mark.slow
def test_keras_convolutions_compute_what_the_torch_layouts_mean():
    """The stem and a depthwise layer, against convolutions written out in numpy."""
    import keras

    from classifier_training.efficientnet_lite import LiteLayers

    state = synthetic_state()
    layers = LiteLayers(LITE0)
    layers.apply(keras.Input((32, 32, 3)))
    for name, arrays in convert(state, LITE0).items():
        if name in layers.layers:
            layers.layers[name].set_weights(arrays)
    x = np.random.default_rng(1).normal(size=(1, 9, 9, 3)).astype(np.float32)
    # TF "SAME", stride 2 on 9 pixels: 5 outputs, one pixel of padding on each side.
    padded = np.pad(x[0], ((1, 1), (1, 1), (0, 0)))
    weight = state["_conv_stem.weight"]  # (out, in, kh, kw)
    expected = np.zeros((5, 5, weight.shape[0]), np.float32)
    for i in range(5):
        for j in range(5):
            patch = padded[2 * i : 2 * i + 3, 2 * j : 2 * j + 3]  # (kh, kw, in)
            expected[i, j] = np.einsum("hwc,ochw->o", patch, weight)
    got = np.asarray(layers.layers["stem_conv"](x))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)

    channels = state["_blocks.0._depthwise_conv.weight"]  # (ch, 1, kh, kw)
    y = np.random.default_rng(2).normal(size=(1, 4, 4, channels.shape[0])).astype(np.float32)
    padded = np.pad(y[0], ((1, 1), (1, 1), (0, 0)))
    expected = np.zeros((4, 4, channels.shape[0]), np.float32)
    for i in range(4):
        for j in range(4):
            expected[i, j] = np.einsum("hwc,chw->c", padded[i : i + 3, j : j + 3], channels[:, 0])
    got = np.asarray(layers.layers["block0_dwconv"](y))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_a_missing_tensor_is_named():
    state = synthetic_state()
    del state["_blocks.7._project_conv.weight"]
    with pytest.raises(StateDictError, match=r"_blocks\.7\._project_conv\.weight"):
        convert(state, LITE0)


def test_a_wrong_shape_names_the_layer():
    state = synthetic_state()
    state["_blocks.2._bn1.weight"] = np.ones(7, np.float32)
    with pytest.raises(StateDictError, match="block2_dw_bn"):
        convert(state, LITE0)


def test_a_state_dict_for_another_architecture_is_refused():
    lite2 = synthetic_state(CONFIGS["efficientnet_lite2"])
    with pytest.raises(StateDictError):
        convert(lite2, LITE0)
    extra = synthetic_state()
    extra["_blocks.99._se_reduce.weight"] = np.ones((1, 1, 1, 1), np.float32)
    with pytest.raises(StateDictError, match="fit no layer"):
        convert(extra, LITE0)
