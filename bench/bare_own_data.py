"""The baseline of bench/own_data.py: a user's table trained and predicted with pandas, scikit-learn and skops only.

bench/own_data.py times `make data` + `make train` and `make predict` of a generated project against this
script on the same CSV, so the difference is what the framework costs on a table of a million rows. It
does the least a user would do by hand, and the same work as the project (keep it in step with
model/train.py, model/features.py and etl/transform.py):

- train: read the CSV with pandas, drop the id column, turn the date column into year, month, day and day
  of week, hold out etl.test_size (0.2) of the rows, fit the pipeline of model/train.py:build_model with
  hist_gradient_boosting and the default hyperparameters (100 iterations, no depth limit, leaves of at
  least 1 row, seed 42) on the rest, and save it with skops;
- predict: read the CSV without its target, prepare it the same way, compute the probabilities once, and
  write the id, the label and each class's probability to a CSV.

    python bench/bare_own_data.py train data/raw/bench.csv model.skops
    python bench/bare_own_data.py predict model.skops incoming/bench-new.csv predictions.csv
"""

import argparse

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ID, DATE, TARGET = "customer_id", "signup_date", "churned"


def features(frame):
    """The feature table: no id (nor target), the date as calendar numbers, numbers as float64, text as
    object with NaN for missing (what the imputers of the project's pipeline see)."""
    dates = pd.to_datetime(frame[DATE], errors="coerce", format="mixed")
    table = frame.drop(columns=[ID, DATE, TARGET], errors="ignore")
    for part in ("year", "month", "day", "dayofweek"):
        table[f"{DATE}_{part}"] = getattr(dates.dt, part).astype("float64")
    for column in table.columns:
        if pd.api.types.is_numeric_dtype(table[column]):
            table[column] = table[column].astype("float64")
        else:
            table[column] = table[column].astype(object).where(table[column].notna(), np.nan)
    return table


def build_model(numeric, categorical):
    """model/train.py:build_model with hist_gradient_boosting and the default hyperparameters."""
    preprocess = ColumnTransformer([
        ("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
        ("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("encode", OneHotEncoder(handle_unknown="ignore")),
        ]), categorical),
    ], sparse_threshold=0.0)
    classifier = HistGradientBoostingClassifier(max_iter=100, max_depth=None, min_samples_leaf=1, random_state=42)
    return Pipeline([("preprocess", preprocess), ("classifier", classifier)])


def train(csv_file, model_file):
    frame = pd.read_csv(csv_file)
    frame = frame.dropna(subset=[TARGET])
    held_out = np.random.default_rng(42).random(len(frame)) < 0.2
    train_rows = frame[~held_out]
    table = features(train_rows)
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    categorical = [c for c in table.columns if c not in numeric]
    model = build_model(numeric, categorical).fit(table, train_rows[TARGET])
    sio.dump(model, model_file)


def predict(model_file, csv_file, output_file):
    model = sio.load(model_file, trusted=sio.get_untrusted_types(file=model_file))
    frame = pd.read_csv(csv_file)
    probabilities = model.predict_proba(features(frame))
    output = pd.DataFrame({ID: frame[ID], "prediction": model.classes_[probabilities.argmax(axis=1)]})
    for index, label in enumerate(model.classes_):
        output[f"probability_{label}"] = probabilities[:, index]
    output.to_csv(output_file, index=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("train", help="fit the pipeline on a CSV and save it with skops")
    fit.add_argument("csv_file")
    fit.add_argument("model_file")
    apply = commands.add_parser("predict", help="predict a CSV (without target) into a CSV")
    apply.add_argument("model_file")
    apply.add_argument("csv_file")
    apply.add_argument("output_file")
    args = parser.parse_args()
    if args.command == "train":
        train(args.csv_file, args.model_file)
    else:
        predict(args.model_file, args.csv_file, args.output_file)


if __name__ == "__main__":
    main()
