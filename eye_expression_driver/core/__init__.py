"""The method only: landmarks, eyelid distance, blink and gaze coefficients, calibration,
binocular pairing, blendshapes and face merging, and one eye frame -> one observation.

Pure numpy (plus PyYAML for the face template); imports nothing of the package above it,
never rclpy or message types. See docs/design.md.
"""
