"""Training-only code: TensorFlow lives here, and the serving package never imports it."""
