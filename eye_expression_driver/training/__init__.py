"""Auto-labelling, training and ONNX export. Needs torch; never imported at run time."""
