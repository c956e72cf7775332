"""The parity suite: scratchnet against PyTorch on identical weights."""
