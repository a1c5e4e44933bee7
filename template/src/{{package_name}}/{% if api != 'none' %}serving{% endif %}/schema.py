"""The API's OpenAPI document, built from the trained model's features: one source for both frameworks.

Clients and tools (Swagger UI, code generators, schemathesis) read the request schema from it, and
the service checks every request against the same limits (service.check_record), so what the
document promises is what the server enforces.
"""

from __future__ import annotations

from typing import Any

from ..model.input_checks import example_record

# Numbers beyond float32's range (3.4e38) overflow in models that compute in float32 (trees,
# ONNX Runtime): 1e308 became infinity and a 500. 1e15 keeps integers exact in float64 and leaves
# room for scaling; no measured feature comes near it.
MAX_ABS_NUMBER = 1e15
MAX_STRING_LENGTH = 1000  # a category name, not a document
API_KEY_HEADER = "X-API-Key"
OPEN_PATHS = ("/health",)  # answered without the API key: load balancers and docker's health check call it
ERROR_STATUSES = {
    400: "the body is not valid JSON (or is nested too deeply)",
    401: "the API key is missing or wrong (only when SERVE_API_KEY is set)",
    408: "the body did not arrive within serve.request_timeout_s",
    413: "the body exceeds serve.max_body_bytes, or the batch serve.max_batch_rows",
    415: "the Content-Type is not application/json",
    422: "a record lacks or adds a field, or a value has the wrong type, is out of range or is a category "
         "training never saw (predict.unknown_categories error)",
}


def feature_schema(feature: dict[str, Any], unknown_categories: str = "ignore") -> dict[str, Any]:
    """A feature's value: a number within ±MAX_ABS_NUMBER or a short string, null for missing.

    A categorical's known values are its enum when unknown ones are refused (predict.unknown_categories
    error), else its examples: the server accepts other strings then, and the document must not deny it.
    """
    if feature["type"] == "numeric":
        return {"type": ["number", "null"], "minimum": -MAX_ABS_NUMBER, "maximum": MAX_ABS_NUMBER}
    schema: dict[str, Any] = {"type": ["string", "null"], "maxLength": MAX_STRING_LENGTH}
    known = feature.get("values") or []
    if unknown_categories == "error" and feature.get("values_complete", False):
        schema["enum"] = [*known, None]
    elif known:
        schema["examples"] = known
    return schema


def record_schema(features: list[dict[str, Any]], unknown_categories: str = "ignore") -> dict[str, Any]:
    """One record: every feature the model was trained on, nothing else; its example holds training values."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [feature["name"] for feature in features],
        "properties": {feature["name"]: feature_schema(feature, unknown_categories) for feature in features},
        "examples": [example_record(features)],
    }


def request_schema(max_rows: int) -> dict[str, Any]:
    """The body of POST /predict: one record, a list of records, or {"records": [...]}."""
    records = {"type": "array", "minItems": 1, "maxItems": max_rows, "items": {"$ref": "#/components/schemas/Record"}}
    return {"anyOf": [
        {"$ref": "#/components/schemas/Record"},
        records,
        {"type": "object", "additionalProperties": False, "required": ["records"], "properties": {"records": records}},
    ]}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def answers(ok: dict[str, Any], statuses: list[int]) -> dict[str, Any]:
    """The responses of an operation: 200 with ok, and each error status with {"detail": why}."""
    error = json_content({"$ref": "#/components/schemas/Error"})
    errors = {str(status): {"description": ERROR_STATUSES[status], "content": dict(error["content"])}
              for status in statuses}
    if "413" in errors:  # waitress (Flask) refuses an oversized body itself, in plain text, before the app reads it
        errors["413"]["content"]["text/plain"] = {"schema": {"type": "string"}}
    return {"200": {"description": "OK", **json_content(ok)}, **errors}


def openapi_document(metadata: dict[str, Any], max_rows: int, title: str, description: str,
                     secured: bool, unknown_categories: str = "ignore") -> dict[str, Any]:
    """OpenAPI 3.1 for GET /health, GET /metadata and POST /predict of this model.

    secured (an API key is set) adds the key's two schemes and a 401 to every path but /health;
    unknown_categories (predict.unknown_categories) decides whether known categories are an enum.
    """
    model = metadata["model"]
    auth = [401] if secured else []
    predictions = {
        "type": "object",
        "required": ["model", "predictions"],
        "properties": {
            "model": {"type": "string", "description": "the model's version"},
            "predictions": {"type": "array", "items": {
                "type": "object", "description": "the columns of present() in model/predict.py, one row per record",
                **({"properties": {"prediction": {"type": "number", "description": "the predicted value"}}}
                   if metadata.get("task") == "regression" else {}),
            }},
        },
    }
    health = {"type": "object", "required": ["status", "model", "version"],
              "properties": {"status": {"const": "ok"}, "model": {"type": "string"}, "version": {"type": "string"}}}
    described = {"type": "object", "required": ["model", "features", "classes", "metrics", "max_batch_rows"]}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "description": description,
                 "version": f"{model['name']} {model['version']}"},
        "paths": {
            "/health": {"get": {"summary": "Liveness, and which model answers", "operationId": "health",
                                "security": [], "responses": answers(health, [])}},
            "/metadata": {"get": {"summary": "The model: identity, features and their types, classes, metrics",
                                  "operationId": "metadata", "responses": answers(described, auth)}},
            "/predict": {"post": {
                "summary": "Predictions for one record or a batch, in order",
                "operationId": "predict",
                "requestBody": {"required": True, **json_content({"$ref": "#/components/schemas/PredictRequest"})},
                "responses": answers(predictions, [400, *auth, 408, 413, 415, 422]),
            }},
        },
        "components": {"schemas": {
            "Record": record_schema(metadata["features"], unknown_categories),
            "PredictRequest": request_schema(max_rows),
            "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}},
        }},
    }
    if secured:
        document["components"]["securitySchemes"] = {
            "apiKey": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER},
            "bearer": {"type": "http", "scheme": "bearer"},
        }
        document["security"] = [{"apiKey": []}, {"bearer": []}]
    return document
