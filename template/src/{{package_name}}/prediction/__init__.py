"""Predictions for many rows: the runtime that answers them (ONNX Runtime or the model itself), locally and
on Ray. Used by `predict`, the API and the Ray backend alike."""
