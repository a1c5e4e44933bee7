"""skl2onnx converters that onnx_export needs beyond the ones skl2onnx ships.

skl2onnx turns SimpleImputer into the ONNX-ML Imputer operator, which onnxruntime implements for
float32 and int64 only: a float64 imputer converts but then fails to load ("Could not find an
implementation for Imputer"). For float64 inputs this converter writes the same step with plain
ONNX operators (IsNaN, Where) and hands every other case back to skl2onnx's own converter.
"""

from __future__ import annotations

import numpy as np
from sklearn.impute import SimpleImputer


def is_nan(value: object) -> bool:
    """Whether value is the float NaN, scikit-learn's default marker of missing values."""
    return isinstance(value, float) and np.isnan(value)


def register_converters() -> None:
    """Make skl2onnx use convert_imputer for SimpleImputer (registering twice is harmless)."""
    from skl2onnx import update_registered_converter
    from skl2onnx.shape_calculators.imputer import calculate_sklearn_imputer_output_shapes

    update_registered_converter(SimpleImputer, "SklearnSimpleImputer", calculate_sklearn_imputer_output_shapes,
                                convert_imputer)


def convert_imputer(scope, operator, container) -> None:
    """Replace NaN by the learned statistics in float64 inputs; defer to skl2onnx for the rest."""
    from skl2onnx.common.data_types import DoubleTensorType
    from skl2onnx.operator_converters.common import concatenate_variables
    from skl2onnx.operator_converters.imputer_op import convert_sklearn_imputer
    from skl2onnx.proto import onnx_proto

    imputer = operator.raw_operator
    if not (isinstance(operator.inputs[0].type, DoubleTensorType) and is_nan(imputer.missing_values)):
        convert_sklearn_imputer(scope, operator, container)
        return
    values = concatenate_variables(scope, operator.inputs, container)
    fill = scope.get_unique_variable_name("fill")
    container.add_initializer(fill, onnx_proto.TensorProto.DOUBLE, [1, imputer.statistics_.size],
                              imputer.statistics_.astype(np.float64).tolist())
    missing = scope.get_unique_variable_name("missing")
    container.add_node("IsNaN", [values], [missing], name=scope.get_unique_operator_name("IsNaN"))
    container.add_node("Where", [missing, fill, values], [operator.outputs[0].full_name],
                       name=scope.get_unique_operator_name("Where"))
