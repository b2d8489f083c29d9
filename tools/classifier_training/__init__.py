"""Training: the TensorFlow world. Never deployed; serving never imports it."""

import os

# Quiet TensorFlow's C++ start-up lines; set before any module here imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
