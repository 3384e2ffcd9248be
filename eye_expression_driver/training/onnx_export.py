"""Export a trained torch model to one self-contained ONNX file and prove it matches.

Shipped models must be single files (no external data) that onnxruntime runs on the CPU
with the same numbers PyTorch gave in training; ``check_parity`` measures that instead of
trusting the exporter.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

OPSET = 18


def export_onnx(
    model: torch.nn.Module,
    path: str | Path,
    example: torch.Tensor,
    input_name: str,
    output_names: Sequence[str],
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write ``model`` (in eval mode) as one ONNX file with a dynamic batch dimension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    axes = {name: {0: "batch"} for name in (input_name, *output_names)}
    with torch.no_grad():
        torch.onnx.export(
            model, (example,), str(path), input_names=[input_name],
            output_names=list(output_names), dynamic_axes=axes, opset_version=OPSET,
            dynamo=False, external_data=False,
        )
    proto = onnx.load(str(path))
    for key, value in (metadata or {}).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return path


def check_parity(
    model: torch.nn.Module, path: str | Path, inputs: torch.Tensor
) -> float:
    """Largest absolute difference between PyTorch and onnxruntime outputs on ``inputs``."""
    model = model.eval()
    with torch.no_grad():
        expected = model(inputs)
    expected = expected if isinstance(expected, tuple | list) else (expected,)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    got = session.run(None, {name: inputs.numpy().astype(np.float32)})
    return max(float(np.max(np.abs(g - e.numpy()))) for g, e in zip(got, expected, strict=True))
