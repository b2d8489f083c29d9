"""Import a classifier trained elsewhere (Keras, TFLite, ONNX) as one verified serving graph.

The source's own preprocessing is folded into the ONNX graph, so serving feeds raw 0-255
pixels to it exactly as it does to a model that `scripts/train.py` wrote.
"""
