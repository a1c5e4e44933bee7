"""What the prediction API does, independent of the web framework that serves it.

The model is loaded once, at start-up, from a path given on the command line and verified against
the sha256 in its metadata; no request can make the service read a file. Every request body is
checked against the features the model was trained on, and a bad one gets a 4xx answer that says
what is wrong. Predictions come from ONNX Runtime on the checked export when it can answer
(prediction/predictor.py): a request then costs microseconds and never touches pandas; otherwise
from the scikit-learn model, as `make predict` would give them.
"""

from __future__ import annotations

import hmac
import json
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.loading import load_trained
from ..prediction.predictor import OnnxPredictor, choose
from ..model import predict as model_output
from ..model.features import select_features
from ..model.input_checks import known_categories, unknown_error
from ..paths import ProjectPaths
from .schema import API_KEY_HEADER, MAX_ABS_NUMBER, MAX_STRING_LENGTH


class RequestError(ValueError):
    """A request the API refuses; status is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ServerSettings:
    """What the server enforces before a request reaches the model (serve section, SERVE_API_KEY)."""

    max_body_bytes: int = 1_048_576
    request_timeout_s: float = 10.0
    api_key: str | None = None  # None: no key asked


def check_key(expected: str | None, headers: Mapping[str, str]) -> None:
    """Refuse a request without the API key (X-API-Key or Authorization: Bearer) when one is set.

    hmac.compare_digest takes as long for a near miss as for a far one: the key cannot be guessed
    byte by byte from response times.
    """
    if not expected:
        return
    bearer = headers.get("authorization") or ""
    token = bearer[7:].strip() if bearer[:7].lower() == "bearer " else ""
    presented = [headers.get(API_KEY_HEADER.lower()) or "", token]
    if not any(hmac.compare_digest(key.encode(), expected.encode()) for key in presented):
        raise RequestError(401, f"missing or wrong API key: send it in the {API_KEY_HEADER} header "
                                "or as Authorization: Bearer <key>")


def parse_json(body: bytes, content_type: str | None) -> Any:
    """The JSON value of a request body, or a 415/400 saying why there is none."""
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise RequestError(415, f"Content-Type must be application/json, got {content_type or 'none'}")
    try:
        return json.loads(body)
    except UnicodeDecodeError as error:
        raise RequestError(400, f"body is not valid UTF-8: {error}") from None
    except RecursionError:
        raise RequestError(400, "body is not valid JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, and integers of more than 4300 digits
        raise RequestError(400, f"body is not valid JSON: {error}") from None


def check_record(index: int, record: Any, types: dict[str, str], refused: dict[str, set[str]] | None = None) -> None:
    """Refuse a record that is not an object, lacks or adds a field, or has a value of the wrong type or size,
    or (refused: the known values of each categorical, with predict.unknown_categories=error) a category
    training never saw. The limits are the OpenAPI document's (schema.py).
    """
    if not isinstance(record, dict):
        raise RequestError(422, f"record {index} must be a JSON object of feature values, got {type(record).__name__}")
    missing = [name for name in types if name not in record]
    if missing:
        raise RequestError(422, f"record {index}: missing feature(s) {missing}")
    extra = sorted(set(record) - set(types))
    if extra:
        raise RequestError(422, f"record {index}: unknown field(s) {reprlib.repr(extra)}; "
                                f"the model takes {list(types)}")
    for name, kind in types.items():
        value = record[name]
        if value is None:
            continue
        # Comparisons, not float(): a 400-digit integer is compared exactly instead of overflowing.
        if kind == "numeric" and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not -MAX_ABS_NUMBER <= value <= MAX_ABS_NUMBER):
            raise RequestError(422, f"record {index}: {name} must be a finite number from {-MAX_ABS_NUMBER:g} to "
                                    f"{MAX_ABS_NUMBER:g} or null, got {reprlib.repr(value)}")
        if kind == "categorical" and not (isinstance(value, str) and len(value) <= MAX_STRING_LENGTH
                                          and is_utf8(value)):
            raise RequestError(422, f"record {index}: {name} must be a string (valid Unicode, at most "
                                    f"{MAX_STRING_LENGTH} characters) or null, got {reprlib.repr(value)}")
        if refused and name in refused and value not in refused[name]:
            raise RequestError(422, f"record {index}: {unknown_error(name, value, refused[name])}")


def is_utf8(text: str) -> bool:
    """False for a lone surrogate ("\\ud800" is valid JSON), which ONNX Runtime's strings cannot hold."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_finite(columns: dict[str, Any]) -> None:
    """Refuse to answer NaN or infinity, which JSON cannot carry, naming the output column."""
    for name, column in columns.items():
        values = np.asarray(column)
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            raise RequestError(422, f"the model gives no finite {name} for these records "
                                    "(values far outside the training data?)")


def records_of(payload: Any, max_rows: int) -> list[Any]:
    """The records of a body: {"records": [...]} or a list for many, one object for one."""
    if isinstance(payload, dict) and set(payload) == {"records"}:
        payload = payload["records"]
    records = payload if isinstance(payload, list) else [payload]
    if not records:
        raise RequestError(422, "no records to predict: send one record object or {\"records\": [...]}")
    if len(records) > max_rows:
        raise RequestError(413, f"batch of {len(records)} records exceeds the limit of {max_rows} "
                                "(serve.max_batch_rows); split it")
    return records


@dataclass
class PredictionService:
    """A loaded, verified model and what the API tells about it."""

    model: Any
    metadata: dict[str, Any]
    max_batch_rows: int
    onnx: OnnxPredictor | None = None
    runtime: str = "scikit-learn"  # which runtime answers, and why: the line `serve` prints at start-up
    unknown_categories: str = "ignore"  # predict.unknown_categories: error refuses categories training never saw

    @classmethod
    def load(cls, paths: ProjectPaths, model_path: Path | None, max_batch_rows: int, runtime: str,
             export_settings: dict[str, Any], unknown_categories: str = "ignore") -> "PredictionService":
        """Load the latest (or given) model after checking it against its metadata, and choose its runtime.

        runtime is serve.runtime (auto | onnx | sklearn); export_settings, the export section of
        params.yaml, say how the checked ONNX export is found or built; unknown_categories is
        predict.unknown_categories (ignore | error).
        """
        model, metadata = load_trained(paths, model_path)
        # One thread per session: requests are a few rows, and the server's other requests use the other cores.
        onnx, line = choose(paths, model, metadata, export_settings, runtime, threads=1)
        return cls(model, metadata, max_batch_rows, onnx, line, unknown_categories)

    @property
    def feature_types(self) -> dict[str, str]:
        return {feature["name"]: feature["type"] for feature in self.metadata["features"]}

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "model": self.metadata["model"]["name"], "version": self.metadata["model"]["version"]}

    def describe(self) -> dict[str, Any]:
        """Model identity, inputs and outputs, and its hold-out metrics."""
        model = self.metadata["model"]
        return {
            "model": {key: model[key] for key in ("name", "version", "type", "description", "sha256")},
            "created_at": self.metadata["created_at"],
            "features": self.metadata["features"],
            "classes": self.metadata["classes"],
            "metrics": self.metadata["metrics"],
            "max_batch_rows": self.max_batch_rows,
        }

    def predict(self, payload: Any) -> dict[str, Any]:
        """Predictions for the records of a request body, in order."""
        types = self.feature_types
        refused = known_categories(self.metadata["features"]) if self.unknown_categories == "error" else None
        records = records_of(payload, self.max_batch_rows)
        for index, record in enumerate(records):
            check_record(index, record, types, refused)
        if self.onnx is not None:
            columns = self.onnx.for_records(records)
            check_finite(columns)
            names, values = list(columns), [np.asarray(column).tolist() for column in columns.values()]
            rows = [dict(zip(names, row)) for row in zip(*values)]
            return {"model": self.metadata["model"]["version"], "predictions": rows}
        features = select_features(pd.DataFrame.from_records(records, columns=list(types)), types)
        predictions = model_output.predict(self.model, features)
        check_finite({name: predictions[name].to_numpy() for name in predictions.columns})
        rows = [{key: value.item() if hasattr(value, "item") else value for key, value in row.items()}
                for row in predictions.to_dict(orient="records")]
        return {"model": self.metadata["model"]["version"], "predictions": rows}
