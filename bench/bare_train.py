"""The baseline for `make train`: the same model trained with nothing but pandas, scikit-learn and skops.

bench/run.py times this script against `make train` in a generated project, so the difference is the
cost of the framework around the model (make, the CLI, params.yaml, cross-validation, hold-out scoring,
metadata). To keep that comparison honest, this script does the least a user would have to do by hand
and must stay in step with the generated project:

- the input is the project's own data/transformed/<dataset>-train.parquet;
- features get the dtypes of model/features.py:select_features (numbers as float64, text as object
  with NaN for missing), because the imputers see the same values only then;
- the pipeline and its parameters are those of model/train.py:build_model with the train section of
  the default params.yaml (random forest, 100 trees, no depth limit, seed 42);
- the model is saved with skops, as model/persistence.py does.

Run it with the project's interpreter:
    .venv/bin/python bench/bare_train.py data/transformed/penguins-train.parquet /tmp/model.skops
"""

import argparse

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def build_model(numeric, categorical):
    """The pipeline of the generated project's model/train.py with its default parameters."""
    preprocess = ColumnTransformer([
        ("numeric", Pipeline([
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]), numeric),
        ("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("encode", OneHotEncoder(handle_unknown="ignore")),
        ]), categorical),
    ])
    classifier = RandomForestClassifier(n_estimators=100, max_depth=None, random_state=42)
    return Pipeline([("preprocess", preprocess), ("classifier", classifier)])


def main():
    """Load the train split, fit the pipeline, save it with skops."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train_file", help="transformed train split (.parquet)")
    parser.add_argument("model_file", help="where to write the fitted pipeline (.skops)")
    parser.add_argument("--target", default="species", help="column to predict (default: species)")
    args = parser.parse_args()

    frame = pd.read_parquet(args.train_file)
    features, target = frame.drop(columns=[args.target]), frame[args.target]
    numeric = [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c])]
    categorical = [c for c in features.columns if c not in numeric]
    for column in numeric:
        features[column] = features[column].astype("float64")
    for column in categorical:
        features[column] = features[column].astype(object).where(features[column].notna(), np.nan)

    model = build_model(numeric, categorical).fit(features, target)
    sio.dump(model, args.model_file)


if __name__ == "__main__":
    main()
