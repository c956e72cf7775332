"""Device selection: ``"auto"`` picks CUDA when a GPU is present, else the CPU."""

from __future__ import annotations

import torch


def cuda_available() -> bool:
    return torch.cuda.is_available()


def resolve_device(device="auto") -> torch.device:
    """``"auto"`` → CUDA if available else CPU; ``"cpu"``/``"cuda"``/``"cuda:1"``
    or a ``torch.device`` are checked and returned. Asking for CUDA on a
    machine without it raises ``RuntimeError`` (rather than failing later)."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} was requested but no CUDA GPU is available here; "
                           "use device='cpu' or 'auto'")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"torch_ref supports the 'cpu' and 'cuda' devices, got {device!r}")
    return dev


def available_devices() -> list[str]:
    """``["cpu"]``, plus ``"cuda"`` when a GPU is present."""
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def exact_float32_matmul() -> None:
    """Make CUDA float32 matrix multiplies IEEE float32 (no TF32), so float32
    parity bounds mean what they say on Ampere/Hopper GPUs."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
