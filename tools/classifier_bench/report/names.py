"""How the report names each engine and image: display labels only, never used as keys."""

from __future__ import annotations

NAMES = {
    "onnx": "this project (onnxruntime)",
    "onnx-int8": "this project, int8 QDQ",
    "keras": "Keras, compiled tf.function",
    "keras-eager": "Keras, eager model(x)",
    "litert": "LiteRT (ai-edge-litert)",
    "litert-int8": "LiteRT, full-integer int8",
}
SHORT = {
    "onnx": "onnxruntime",
    "onnx-int8": "onnxruntime int8",
    "keras": "Keras tf.function",
    "keras-eager": "Keras eager",
    "litert": "LiteRT",
    "litert-int8": "LiteRT int8",
}
IMAGES = {
    "jpeg_100x100": "100×100 JPEG",
    "jpeg_640x480": "640×480 JPEG",
    "jpeg_4000x3000": "4000×3000 JPEG",
    "png_512x512": "512×512 PNG",
}
