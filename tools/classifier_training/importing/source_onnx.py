"""An ONNX source: ONNX Runtime runs the file itself, which is also its own ONNX graph.

Windows ML image metadata (which Azure Custom Vision exports write) becomes hints for the
colour order and pixel range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from classifier_training.importing.errors import ImportInputError
from classifier_training.importing.preprocessing import Quantization
from classifier_training.importing.source import ImportSource, Shape, TensorInfo, pick

PIXEL_FORMATS = {"Bgr8": "BGR", "Rgb8": "RGB", "Gray8": "L"}
PIXEL_RANGES = {  # scale, mean, std
    "NominalRange_0_255": (1.0, 0.0, 1.0),
    "Normalized_0_1": (1 / 255, 0.0, 1.0),
    "Normalized_1_1": (1 / 127.5, 1.0, 1.0),
}


def open_onnx(path: Path, input_name: str | None, output_name: str | None) -> ImportSource:
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

    the_input = _tensor_info(inputs[index], names[index])
    the_output = _tensor_info(model.graph.output[out_index], out_names[out_index])
    if not np.issubdtype(np.dtype(the_output.dtype), np.floating):
        raise ImportInputError(
            f"output {the_output.name} holds {the_output.dtype}, not scores; "
            f"pick a float output with --output-name (outputs: {out_names})"
        )

    def run(x: np.ndarray) -> np.ndarray:
        return np.asarray(session.run([the_output.name], {the_input.name: x})[0])

    def convert(_shape: Shape) -> Any:
        return model

    default_opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    provenance = {
        "producer_name": model.producer_name or None,
        "producer_version": model.producer_version or None,
        "opset": default_opset,
        "ir_version": model.ir_version,
        "input_name": the_input.name,
        "output_name": the_output.name,
    }
    hints = _image_hints({p.key: p.value for p in model.metadata_props})
    return ImportSource("onnx", the_input, the_output, run, convert, provenance, hints)


def _tensor_info(value: Any, name: str) -> TensorInfo:
    import onnx

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


def _image_hints(props: dict[str, str]) -> dict[str, Any]:
    hints: dict[str, Any] = {}
    pixel_format = PIXEL_FORMATS.get(props.get("Image.BitmapPixelFormat", ""))
    if pixel_format:
        hints["color_mode"] = pixel_format
    pixel_range = PIXEL_RANGES.get(props.get("Image.NominalPixelRange", ""))
    if pixel_range:
        hints["scale"], mean, std = pixel_range
        hints["mean"], hints["std"] = (mean,), (std,)
    return hints
