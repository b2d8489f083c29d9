"""Serving package: turns image bytes into predictions with ONNX Runtime, never TensorFlow."""
