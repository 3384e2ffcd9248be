"""Open an ONNX model for CPU inference with a fixed thread count and clear failures.

Each eye runs in its own process on its own core, so sessions default to one intra-op
thread and no inter-op parallelism; a missing or corrupt file must say which file it was,
not surface as an onnxruntime stack trace from deep inside a node.
"""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


class ModelFileError(RuntimeError):
    """A model file that is missing, unreadable or not a usable ONNX model."""


def open_session(path: str | Path, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime CPU session for ``path``; raises ModelFileError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several private exception types
        raise ModelFileError(f"cannot load model file {path}: {exc}") from exc
