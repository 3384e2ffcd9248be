"""Pure logic: landmarks, eyelid distance, calibration, coefficients, blendshapes, decoding.

Imports numpy/OpenCV only; never rclpy, messages, or other parts of this package.
"""
