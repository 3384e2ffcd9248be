"""Detectors and model runtimes (onnxruntime): eye features and learned coefficients."""
