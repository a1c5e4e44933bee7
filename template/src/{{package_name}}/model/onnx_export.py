"""Convert a trained scikit-learn model to ONNX, so it can be served without Python or scikit-learn.

The ONNX model takes one input per feature column, named like the column: numeric columns as
float64 ("double", missing values as NaN), categorical columns as strings. ONNX strings cannot
be NaN, so a missing category is fed as the empty string; the converted copy of the model treats
"" as missing exactly where scikit-learn treats NaN as missing, so its imputer still fills in the
most frequent value it learned. `onnx_inputs` turns a feature table into those inputs.

Why float64 and not float32 inputs: scaling in float32 shifts values (year - mean(year) loses
four digits), enough for some trees of a random forest to take the other branch: on penguins the
probabilities moved by up to 0.07. So preprocessing runs in float64 as in scikit-learn, and the
values are cast to float32 just before a tree-based classifier, which is what scikit-learn's
trees do themselves; the remaining differences are float32 rounding (below 1e-6).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from .onnx_converters import is_nan, register_converters

MISSING_CATEGORY = ""
INPUT_TYPES = {"numeric": "double", "categorical": "string"}
OUTPUTS = ["label", "probabilities"]  # a classifier's; a regressor has one, the predicted values
REGRESSION_OUTPUTS = ["variable"]
# The newest operator sets that the oldest supported onnxruntime (1.18) runs; skl2onnx uses older
# ones where they suffice.
TARGET_OPSET = {"": 21, "ai.onnx.ml": 3}


class OnnxUnsupported(RuntimeError):
    """skl2onnx has no converter for a part of the model (the baseline DummyClassifier, say)."""


def onnx_inputs(features: pd.DataFrame, feature_specs: list[dict[str, str]]) -> dict[str, np.ndarray]:
    """The ONNX inputs for a feature table: one (rows, 1) array per feature, as the model expects."""
    inputs = {}
    for spec in feature_specs:
        column = features[spec["name"]]
        if spec["type"] == "numeric":
            values = column.to_numpy(dtype=np.float64)
        else:
            values = column.astype(object).where(column.notna(), MISSING_CATEGORY).astype(str).to_numpy(dtype=object)
        inputs[spec["name"]] = values.reshape(-1, 1)
    return inputs


def to_onnx(model: Any, feature_specs: list[dict[str, str]], name: str) -> bytes:
    """The serialized ONNX model of a fitted model whose features are feature_specs.

    Converting the same model twice gives the same bytes: name becomes the graph name (skl2onnx
    would pick a random one) and the operator sets are listed in a fixed order.
    """
    from onnx.helper import make_opsetid
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType
    from skl2onnx.common.exceptions import MissingConverter, MissingShapeCalculator

    register_converters()
    prepared = onnx_ready(model)
    final = prepared.steps[-1][1] if isinstance(prepared, Pipeline) else prepared
    types = {"numeric": DoubleTensorType([None, 1]), "categorical": StringTensorType([None, 1])}
    no_zipmap = {"zipmap": False}  # probabilities as one array, not a list of dictionaries
    options = {id(final): no_zipmap} if hasattr(final, "predict_proba") else {}
    try:
        onnx_model = convert_sklearn(
            prepared, name=name, initial_types=[(spec["name"], types[spec["type"]]) for spec in feature_specs],
            options=options, target_opset=TARGET_OPSET,
        )
    except (MissingConverter, MissingShapeCalculator) as error:
        found = re.search(r"<class '([^']+)'>", str(error))
        raise OnnxUnsupported(f"skl2onnx has no converter for {found[1] if found else error}") from error
    except ValueError as error:  # a converter that fails on this model (hist gradient boosting, some versions)
        if "Unable to create node" not in str(error):
            raise
        raise OnnxUnsupported(f"skl2onnx cannot convert this {type(final).__name__} "
                              f"({str(error).split(' with name=')[0]})") from error
    imports = sorted((entry.domain, entry.version) for entry in onnx_model.opset_import)
    del onnx_model.opset_import[:]  # skl2onnx lists them in set order, which changes from one process to the next
    onnx_model.opset_import.extend(make_opsetid(domain, version) for domain, version in imports)
    return onnx_model.SerializeToString()


def opsets(onnx_model: bytes) -> dict[str, int]:
    """{domain: version} of the operator sets a serialized ONNX model needs ("" is the main one)."""
    from onnx import load_model_from_string

    return {entry.domain: entry.version for entry in load_model_from_string(onnx_model).opset_import}


def onnx_ready(model: Any) -> Any:
    """A copy of model that converts to the same predictions: "" marks missing categories, float32 before trees."""
    prepared = copy.deepcopy(model)
    for estimator in estimators(prepared):
        if isinstance(estimator, SimpleImputer) and learned_strings(estimator) and is_nan(estimator.missing_values):
            estimator.missing_values = MISSING_CATEGORY
    if isinstance(prepared, Pipeline) and compares_in_float32(prepared.steps[-1][1]):
        from skl2onnx.sklapi import CastTransformer

        prepared = Pipeline([*prepared.steps[:-1], ("float32", CastTransformer(dtype=np.float32)),
                             prepared.steps[-1]])
    return prepared


def estimators(estimator: Any) -> Iterator[Any]:
    """estimator and every estimator nested in it through pipelines and column transformers."""
    yield estimator
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            yield from estimators(step)
    elif isinstance(estimator, ColumnTransformer):
        for _, transformer, _ in estimator.transformers_:
            if isinstance(transformer, BaseEstimator):
                yield from estimators(transformer)


def learned_strings(imputer: SimpleImputer) -> bool:
    """Whether the imputer was fitted on text columns (its fill values are strings).

    An imputer for a column group that the data lacks (no categorical column in iris) is never fitted.
    """
    return hasattr(imputer, "statistics_") and imputer.statistics_.dtype == object


def compares_in_float32(estimator: Any) -> bool:
    """scikit-learn's trees and tree ensembles compare a float32 copy of their input with their thresholds."""
    members = np.ravel(np.asarray(getattr(estimator, "estimators_", [estimator]), dtype=object))
    return len(members) > 0 and all(hasattr(member, "tree_") for member in members)


def outputs_of(model: Any) -> list[str]:
    """The ONNX output names of a converted model: label and probabilities, or the regressor's values."""
    return OUTPUTS if hasattr(model, "classes_") else REGRESSION_OUTPUTS
