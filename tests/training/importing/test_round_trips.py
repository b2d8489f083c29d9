"""Round trips: a source built here, imported by the CLI, served through handler.classify.

(a) Keras, (b) the same as float TFLite, (c) as fully quantised uint8 TFLite, (d) an NCHW
torch-shaped ONNX with mean/std and logits, (e) the project's own digits model; plus a
Custom Vision-shaped BGR ONNX. Each import runs parity against the source's own runtime.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from classifier_training.importing import cli
from classifier_training.importing.parity import FLOAT_BOUND, QUANTISED_STEPS
from classifier_training.importing.preprocessing import IMAGENET_MEAN, IMAGENET_STD
from image_classifier.model import Classifier
from image_classifier.preprocessing import preprocess
from tests.support.factories import ROOT, digits

from .conftest import LABELS, colour_images, eval_images, torch_like_onnx

pytestmark = pytest.mark.slow
# Max |dp| of the quantised TFLite against its float Keras original, served: measured 0.052
# (600 images, 100 % top-1); the bound leaves room for a different training run.
QUANTISED_VS_FLOAT = 0.1
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="module")
def keras_sources(tmp_path_factory):
    """A small CNN trained a few seconds on [-1, 1] pixels (keras-mobilenet-v2's convention),
    saved as .keras, float .tflite and uint8-in/uint8-out .tflite."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(1)
    pixels, targets = colour_images(300, seed=1)
    x = pixels.astype(np.float32) / 127.5 - 1
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(len(LABELS), activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, targets, epochs=40, batch_size=32, verbose=0)
    folder = tmp_path_factory.mktemp("sources")
    model.save(folder / "colours.keras")
    (folder / "colours.tflite").write_bytes(
        tf.lite.TFLiteConverter.from_keras_model(model).convert()
    )
    for dtype in ("uint8", "int8"):
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([x[i : i + 1]] for i in range(0, 300, 3))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = converter.inference_output_type = tf.as_dtype(dtype)
        (folder / f"colours_{dtype}.tflite").write_bytes(converter.convert())
    model.export(folder / "saved_model", verbose=False)
    # The same trained layers behind an input of any size, saved in the legacy HDF5 format.
    keras.Sequential([keras.Input((None, None, 3)), *model.layers]).save(folder / "any_size.h5")
    return folder


def imported(tmp_path_factory, source, labels, eval_dir, *flags: str):
    output = tmp_path_factory.mktemp("imported") / "model"
    argv = [str(source), "--labels", str(labels), "--output", str(output), *flags]
    assert cli.main([*argv, "--eval-dir", str(eval_dir)]) == 0
    return output, json.loads((output / "metadata.json").read_text())


def assert_serves_every_eval_image(serve, output, eval_dir, card):
    """handler.classify gets each eval image right, matching the source runtime's accuracy."""
    served = [
        serve(output, image)["predictions"][0]["label"] == label
        for image, label in eval_images(eval_dir)
    ]
    assert np.mean(served) == card["evaluation"]["test_accuracy"] == 1.0
    assert card["evaluation"]["source_accuracy"] == 1.0


def test_a_keras_model(tmp_path_factory, keras_sources, labels_file, eval_dir, serve):
    output, card = imported(
        tmp_path_factory,
        keras_sources / "colours.keras",
        labels_file,
        eval_dir,
        "--preset",
        "keras-mobilenet-v2",
    )
    assert card["parity"]["max_abs_diff"] <= FLOAT_BOUND and card["parity"]["top1_agreement"] == 1
    assert card["source"]["format"] == "keras" and card["source"]["file"] == "colours.keras"
    assert card["preprocessing"]["folded"] == [
        "multiply by 0.0078431373",
        "subtract mean [1.0, 1.0, 1.0]",
    ]
    assert_serves_every_eval_image(serve, output, eval_dir, card)
    shown = serve(output)
    assert {"source", "preprocessing", "parity", "evaluation"} <= set(shown)
    assert card["monitoring"]["test_class_counts"] == {label: 8 for label in LABELS}
    assert len(card["monitoring"]["test_top_scores"]) == 24


def test_the_same_model_as_a_savedmodel_directory(
    tmp_path_factory, keras_sources, labels_file, eval_dir, serve
):
    output, card = imported(
        tmp_path_factory,
        keras_sources / "saved_model",
        labels_file,
        eval_dir,
        "--preset",
        "keras-mobilenet-v2",
    )
    assert card["source"]["format"] == "keras-savedmodel" and len(card["source"]["sha256"]) == 64
    assert card["parity"]["max_abs_diff"] <= FLOAT_BOUND and card["parity"]["top1_agreement"] == 1
    assert_serves_every_eval_image(serve, output, eval_dir, card)


def test_an_h5_model_of_any_input_size_needs_image_size(
    tmp_path_factory, keras_sources, labels_file, eval_dir, serve, capsys
):
    source = keras_sources / "any_size.h5"
    refused = tmp_path_factory.mktemp("refused") / "model"
    argv = [str(source), "--labels", str(labels_file), "--preset", "keras-mobilenet-v2"]
    assert cli.main([*argv, "--output", str(refused)]) == 2
    assert "--image-size" in capsys.readouterr().err and not refused.exists()
    output, card = imported(
        tmp_path_factory, source, labels_file, eval_dir, *argv[3:], "--image-size", "16"
    )
    assert (card["input"]["height"], card["input"]["width"]) == (16, 16)
    assert_serves_every_eval_image(serve, output, eval_dir, card)


def test_b_the_same_model_as_float_tflite(
    tmp_path_factory, keras_sources, labels_file, eval_dir, serve
):
    output, card = imported(
        tmp_path_factory,
        keras_sources / "colours.tflite",
        labels_file,
        eval_dir,
        "--preset",
        "keras-mobilenet-v2",
    )
    assert card["source"]["format"] == "tflite"
    assert card["parity"]["max_abs_diff"] <= FLOAT_BOUND and card["parity"]["top1_agreement"] == 1
    assert_serves_every_eval_image(serve, output, eval_dir, card)


@pytest.mark.parametrize("dtype", ["uint8", "int8"])
def test_c_the_same_model_fully_quantised(
    tmp_path_factory, keras_sources, labels_file, eval_dir, serve, dtype
):
    output, card = imported(
        tmp_path_factory,
        keras_sources / f"colours_{dtype}.tflite",
        labels_file,
        eval_dir,
        "--preset",
        "keras-mobilenet-v2",
    )
    prep = card["preprocessing"]
    assert prep["input_quantization"]["dtype"] == prep["output_quantization"]["dtype"] == dtype
    # The measured bound: within QUANTISED_STEPS steps of the uint8 output, top-1 identical.
    step = prep["output_quantization"]["scale"]
    assert card["parity"]["bound"] == QUANTISED_STEPS * step
    assert card["parity"]["max_abs_diff"] <= card["parity"]["bound"]
    assert card["parity"]["top1_agreement"] == 1
    assert_serves_every_eval_image(serve, output, eval_dir, card)
    # Against the float model it came from: the quantisation's own cost, measured at 0.052.
    float_model, _ = imported(
        tmp_path_factory,
        keras_sources / "colours.keras",
        labels_file,
        eval_dir,
        "--preset",
        "keras-mobilenet-v2",
    )
    quantised, original = Classifier.load(output), Classifier.load(float_model)
    batch = np.stack([preprocess(image, original.spec) for image, _ in eval_images(eval_dir)])
    p_quantised, p_float = quantised.predict(batch), original.predict(batch)
    assert np.array_equal(p_quantised.argmax(1), p_float.argmax(1))
    assert np.max(np.abs(p_quantised - p_float)) <= QUANTISED_VS_FLOAT


def test_d_a_torch_shaped_nchw_onnx_with_mean_std_and_logits(
    tmp_path_factory, labels_file, eval_dir, serve
):
    source = torch_like_onnx(
        tmp_path_factory.mktemp("torch") / "resnet_head.onnx", weights=4 * np.eye(3)
    )
    output, card = imported(
        tmp_path_factory, source, labels_file, eval_dir, "--preset", "torchvision"
    )
    prep = card["preprocessing"]
    assert (prep["layout"], prep["output_kind"]) == ("NCHW", "logits")
    assert prep["mean"] == list(IMAGENET_MEAN) and prep["std"] == list(IMAGENET_STD)
    assert card["source"]["producer_name"] == "pytorch" and card["source"]["opset"] == 17
    assert card["parity"]["max_abs_diff"] <= FLOAT_BOUND
    assert_serves_every_eval_image(serve, output, eval_dir, card)
    # The source's batch is fixed at 1; the imported graph still scores a batch in one call.
    classifier = Classifier.load(output)
    batch = np.stack([preprocess(image, classifier.spec) for image, _ in eval_images(eval_dir)])
    assert classifier.predict(batch).shape == (len(batch), len(LABELS))


def test_a_custom_vision_shaped_bgr_onnx(tmp_path_factory, labels_file, eval_dir, serve):
    """BGR input: the label order is red, green, blue, so the weights read channels 2, 1, 0.
    Without the in-graph channel reversal every red image would come back blue."""
    source = torch_like_onnx(
        tmp_path_factory.mktemp("cv") / "model.onnx",
        weights=0.05 * np.eye(3)[::-1],
        input_name="data",
        batch="None",
        softmax=True,
        metadata={
            "Image.BitmapPixelFormat": "Bgr8",
            "Image.NominalPixelRange": "NominalRange_0_255",
        },
    )
    output, card = imported(
        tmp_path_factory, source, labels_file, eval_dir, "--preset", "custom-vision"
    )
    assert card["preprocessing"]["color_mode"] == "BGR" and card["input"]["color_mode"] == "RGB"
    assert card["preprocessing"]["folded"][0] == "RGB to BGR channel reversal"
    assert_serves_every_eval_image(serve, output, eval_dir, card)


def test_e_the_projects_digits_model_reimported_gives_identical_predictions(
    tmp_path_factory, serve
):
    folder = tmp_path_factory.mktemp("digits")
    images, targets = digits()
    for i, (png, target) in enumerate(zip(images[:200], targets[:200], strict=True)):
        (folder / target).mkdir(exist_ok=True)
        (folder / target / f"{i}.png").write_bytes(png)
    output, card = imported(
        tmp_path_factory, ROOT / "model" / "model.onnx", ROOT / "model" / "labels.json", folder
    )
    original, again = Classifier.load(ROOT / "model"), Classifier.load(output)
    assert card["input"] == original.spec.to_dict()
    batch = np.stack([preprocess(png, original.spec) for png in images])
    assert np.array_equal(original.predict(batch), again.predict(batch))
    for digit in original.labels:
        png = images[targets.index(digit)]
        assert serve(output, png)["predictions"] == serve(ROOT / "model", png)["predictions"]
    assert card["evaluation"]["test_accuracy"] == card["evaluation"]["source_accuracy"]
