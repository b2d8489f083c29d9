"""Open a source model in its own runtime: Keras, LiteRT or ONNX Runtime, and convert it to ONNX.

Each source says what it can about its one image input and one output (shape, dtype,
quantisation), runs a batch the way its users run it, and gives an ONNX graph of itself
(tf2onnx for Keras and TFLite, opset 17; the file itself for ONNX).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.preprocessing import Quantization

OPSET = 17  # tf2onnx 1.17 fails from opset 19 on this stack
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int | None, ...]
    dtype: str
    quantization: Quantization | None = None


@dataclass
class Source:
    """One input, one output, a runner and a converter; `provenance` goes into the card."""

    kind: str
    input: TensorInfo
    output: TensorInfo
    run: Callable[[np.ndarray], np.ndarray]
    convert: Callable[[tuple[int | None, ...]], Any]
    provenance: dict[str, Any]
    hints: dict[str, Any] = field(default_factory=dict)

    @property
    def fixed_batch(self) -> bool:
        return self.input.shape[0] == 1


def load_source(
    path: Path, input_name: str | None = None, output_name: str | None = None
) -> Source:
    """Open `path` by its kind; unreadable or unsupported files are an ImportInputError."""
    if not path.exists():
        raise ImportInputError(f"{path}: no such file or directory")
    if path.is_dir():
        if not (path / "saved_model.pb").exists():
            raise ImportInputError(f"{path}: a directory, but not a SavedModel (no saved_model.pb)")
        loader, kind = _saved_model, "keras-savedmodel"
    elif path.suffix.lower() in KERAS_SUFFIXES:
        loader, kind = _keras, "keras"
    elif path.suffix.lower() == ".tflite":
        loader, kind = _tflite, "tflite"
    elif path.suffix.lower() == ".onnx":
        loader, kind = _onnx, "onnx"
    else:
        raise ImportInputError(
            f"{path}: unsupported file; give .keras, .h5, a SavedModel directory, .tflite or .onnx"
        )
    source = loader(path, input_name, output_name)
    source.provenance = {
        "file": path.name,
        "sha256": _sha256(path),
        "format": kind,
        **source.provenance,
    }
    return source


def pick(names: list[str], wanted: str | None, what: str, flag: str) -> int:
    """The index of the one tensor to use; several without a picking flag is an error."""
    if wanted is not None:
        if wanted not in names:
            raise ImportInputError(f"{flag} {wanted!r}: the model's {what}s are {names}")
        return names.index(wanted)
    if len(names) != 1:
        raise ImportInputError(f"the model has {len(names)} {what}s {names}; pick one with {flag}")
    return 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _shape(dims: Any) -> tuple[int | None, ...]:
    return tuple(None if d is None or int(d) < 0 else int(d) for d in dims)


# --- ONNX ---------------------------------------------------------------------------------


def _onnx(path: Path, input_name: str | None, output_name: str | None) -> Source:
    import onnx
    import onnxruntime as ort

    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
        session = ort.InferenceSession(
            model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
    except Exception as exc:
        raise ImportInputError(f"{path}: not a readable ONNX model ({exc})") from exc
    initializers = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    names = [i.name for i in inputs]
    index = pick(names, input_name, "input", "--input-name")
    if len(inputs) > 1:
        others = [n for n in names if n != names[index]]
        raise ImportInputError(f"the other inputs {others} have no values; serving feeds one image")
    out_names = [o.name for o in model.graph.output]
    out_index = pick(out_names, output_name, "output", "--output-name")

    def info(value: Any, name: str) -> TensorInfo:
        if not value.type.HasField("tensor_type"):
            raise ImportInputError(
                f"{name} is not a tensor (a sequence or map, such as a ZipMap output); "
                "pick a tensor with --input-name or --output-name"
            )
        tensor = value.type.tensor_type
        dtype = str(np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type)))
        dims = tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim)
        quant = Quantization(1.0, 0, dtype) if np.issubdtype(np.dtype(dtype), np.integer) else None
        return TensorInfo(name, dims, dtype, quant)

    the_input = info(inputs[index], names[index])
    the_output = info(model.graph.output[out_index], out_names[out_index])
    if not np.issubdtype(np.dtype(the_output.dtype), np.floating):
        raise ImportInputError(
            f"output {the_output.name} holds {the_output.dtype}, not scores; "
            f"pick a float output with --output-name (outputs: {out_names})"
        )

    def run(x: np.ndarray) -> np.ndarray:
        return np.asarray(session.run([the_output.name], {the_input.name: x})[0])

    default_opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    hints = {}
    props = {p.key: p.value for p in model.metadata_props}
    # Windows ML image metadata, which Azure Custom Vision exports write.
    pixel_format = {"Bgr8": "BGR", "Rgb8": "RGB", "Gray8": "L"}.get(
        props.get("Image.BitmapPixelFormat", "")
    )
    if pixel_format:
        hints["color_mode"] = pixel_format
    pixel_range = {
        "NominalRange_0_255": (1.0, 0.0, 1.0),
        "Normalized_0_1": (1 / 255, 0.0, 1.0),
        "Normalized_1_1": (1 / 127.5, 1.0, 1.0),
    }.get(props.get("Image.NominalPixelRange", ""))
    if pixel_range:
        hints["scale"], mean, std = pixel_range
        hints["mean"], hints["std"] = (mean,), (std,)
    provenance = {
        "producer_name": model.producer_name or None,
        "producer_version": model.producer_version or None,
        "opset": default_opset,
        "ir_version": model.ir_version,
        "input_name": the_input.name,
        "output_name": the_output.name,
    }
    return Source("onnx", the_input, the_output, run, lambda _shape: model, provenance, hints)


# --- TFLite (LiteRT) --------------------------------------------------------------------


def _tflite(path: Path, input_name: str | None, output_name: str | None) -> Source:
    from ai_edge_litert.interpreter import Interpreter

    try:
        interpreter = Interpreter(model_path=str(path))
        interpreter.allocate_tensors()
    except Exception as exc:
        raise ImportInputError(f"{path}: not a readable TFLite model ({exc})") from exc
    inputs, outputs = interpreter.get_input_details(), interpreter.get_output_details()
    in_detail = inputs[pick([d["name"] for d in inputs], input_name, "input", "--input-name")]
    if len(inputs) > 1:
        raise ImportInputError("the model has several inputs; serving feeds one image")
    out_detail = outputs[pick([d["name"] for d in outputs], output_name, "output", "--output-name")]

    def info(detail: dict[str, Any]) -> TensorInfo:
        dtype = str(np.dtype(detail["dtype"]))
        scale, zero_point = detail["quantization"]
        quant = None
        if np.issubdtype(np.dtype(dtype), np.integer):
            quant = Quantization(float(scale) or 1.0, int(zero_point), dtype)
        shape = detail.get("shape_signature")
        return TensorInfo(
            detail["name"], _shape(shape if shape is not None else detail["shape"]), dtype, quant
        )

    the_input, the_output = info(in_detail), info(out_detail)

    def run(x: np.ndarray) -> np.ndarray:
        if tuple(in_detail["shape"]) != x.shape:
            interpreter.resize_tensor_input(in_detail["index"], list(x.shape))
            interpreter.allocate_tensors()
            in_detail["shape"] = np.array(x.shape)
        interpreter.set_tensor(in_detail["index"], x)
        interpreter.invoke()
        return np.array(interpreter.get_tensor(out_detail["index"]))

    def convert(_shape: tuple[int | None, ...]) -> Any:
        import tf2onnx

        with warnings.catch_warnings():
            # tf2onnx reads the file with tf.lite.Interpreter, which warns of its own deprecation.
            warnings.simplefilter("ignore", UserWarning)
            proto, _ = tf2onnx.convert.from_tflite(
                str(path),
                input_names=[the_input.name],
                output_names=[the_output.name],
                opset=OPSET,
            )
        return proto

    provenance = {
        "producer_name": "tflite",
        "input_name": the_input.name,
        "output_name": the_output.name,
    }
    return Source("tflite", the_input, the_output, run, convert, provenance)


# --- Keras and SavedModel ---------------------------------------------------------------


def _keras(path: Path, input_name: str | None, output_name: str | None) -> Source:
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:
        raise ImportInputError(f"{path}: not a readable Keras model ({exc})") from exc
    in_names = [t.name for t in model.inputs]
    index = pick(in_names, input_name, "input", "--input-name")
    if len(in_names) > 1:
        raise ImportInputError("the model has several inputs; serving feeds one image")
    out_names = [t.name for t in model.outputs]
    out_index = pick(out_names, output_name, "output", "--output-name")
    in_tensor, out_tensor = model.inputs[index], model.outputs[out_index]

    def call(x: Any) -> Any:
        result = model(x, training=False)
        return result[out_index] if isinstance(result, list | tuple) else result

    return _tf_source(
        "keras",
        TensorInfo(in_names[index], _shape(in_tensor.shape), str(in_tensor.dtype)),
        TensorInfo(out_names[out_index], _shape(out_tensor.shape), str(out_tensor.dtype)),
        call,
        {"producer_name": "keras", "producer_version": keras.__version__},
    )


def _saved_model(path: Path, input_name: str | None, output_name: str | None) -> Source:
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(str(path))
        signature = loaded.signatures["serving_default"]
    except Exception as exc:
        raise ImportInputError(f"{path}: not a loadable SavedModel ({exc})") from exc
    specs = signature.structured_input_signature[1]
    in_names = sorted(specs)
    name = in_names[pick(in_names, input_name, "input", "--input-name")]
    if len(in_names) > 1:
        raise ImportInputError("the model has several inputs; serving feeds one image")
    outputs = signature.structured_outputs
    out_names = sorted(outputs)
    out_name = out_names[pick(out_names, output_name, "output", "--output-name")]

    def call(x: Any) -> Any:
        return signature(**{name: x})[out_name]

    return _tf_source(
        "keras-savedmodel",
        TensorInfo(name, _shape(specs[name].shape), specs[name].dtype.name),
        TensorInfo(out_name, _shape(outputs[out_name].shape), outputs[out_name].dtype.name),
        call,
        {"producer_name": "tensorflow", "producer_version": tf.__version__},
        loaded,
    )


def _tf_source(
    kind: str,
    the_input: TensorInfo,
    the_output: TensorInfo,
    call: Callable[[Any], Any],
    provenance: dict[str, Any],
    keep_alive: Any = None,
) -> Source:
    """A TensorFlow callable run eagerly, converted with tf2onnx.from_function at a fixed H x W."""
    import tensorflow as tf

    def run(x: np.ndarray) -> np.ndarray:
        _ = keep_alive  # the SavedModel's variables live as long as this runner
        return np.asarray(call(tf.constant(x)))

    def convert(shape: tuple[int | None, ...]) -> Any:
        import tf2onnx

        spec = tf.TensorSpec((None, *shape[1:]), tf.as_dtype(the_input.dtype), name="source_input")

        @tf.function(input_signature=[spec])
        def serve(x: Any) -> dict[str, Any]:
            return {"source_output": call(x)}

        proto, _ = tf2onnx.convert.from_function(serve, input_signature=[spec], opset=OPSET)
        return proto

    provenance = {**provenance, "input_name": the_input.name, "output_name": the_output.name}
    return Source(kind, the_input, the_output, run, convert, provenance)
