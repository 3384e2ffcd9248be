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


def square_image_interface(session: ort.InferenceSession, path: str | Path, kind: str,
                           outputs: dict[str, tuple]) -> tuple[str, int]:
    """(input name, side) of a model taking one (N, 1, S, S) image and giving ``outputs``
    (names in order, shapes; a symbolic size passes). Checked at load time, so that another
    model (the detector given as the coefficient model, say) fails there, naming the file,
    instead of at every frame; raises ModelFileError."""
    inputs, found = session.get_inputs(), session.get_outputs()
    shape = inputs[0].shape if inputs else []
    named = [o.name for o in found] == list(outputs)
    shaped = named and all(len(o.shape) == len(want) and all(
        not isinstance(have, int) or not isinstance(size, int) or have == size
        for have, size in zip(o.shape, want, strict=True))
        for o, want in zip(found, outputs.values(), strict=True))
    if len(inputs) != 1 or len(shape) != 4 or shape[2] != shape[3] or \
            not isinstance(shape[2], int) or not shaped:
        raise ModelFileError(
            f"{path} is not an {kind} (input {shape}, outputs "
            f"{ {o.name: o.shape for o in found} }; expected {outputs})")
    return inputs[0].name, int(shape[2])
