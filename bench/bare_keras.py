"""The baseline for the Keras plugin's `make train`: the same network on the same data, with nothing
but pandas, scikit-learn and Keras.

bench/keras_plugin.py times this script against `make train ARGS="train.trainer=keras ..."` in a generated
project, so the difference is the cost of the framework around the network (make, the CLI, params.yaml,
the trainer contract, hold-out scoring, metadata, the model's zip file). It does what a user would do by
hand, in step with the plugin's model.py and network.py at their default hyperparameters: the project's
data/transformed/<dataset>-train.parquet; median imputation and scaling of numbers, most-frequent
imputation and one-hot encoding of categories; Keras seeded and deterministic; a 64-32 ReLU perceptron
with 0.1 dropout, softmax output, Adam at 0.003, batches of 32, at most 200 epochs with early stopping
(patience 15, best weights restored) on a seeded 15 % validation slice; the network saved as .keras, and
the number of epochs it ran in <model file>.json.

Run it with the project's interpreter (the Keras plugin installed):
    .venv/bin/python bench/bare_keras.py data/transformed/penguins-train.parquet /tmp/network.keras
"""

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

SEED = 42


def main():
    """Load the train split, preprocess it, fit the network with early stopping, save it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train_file", help="transformed train split (.parquet)")
    parser.add_argument("model_file", help="where to write the fitted network (.keras)")
    parser.add_argument("--target", default="species", help="column to predict (default: species)")
    args = parser.parse_args()

    frame = pd.read_parquet(args.train_file)
    features, target = frame.drop(columns=[args.target]), frame[args.target]
    numeric = [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c])]
    categorical = [c for c in features.columns if c not in numeric]
    features[categorical] = features[categorical].astype(object).where(features[categorical].notna(), np.nan)
    preprocess = ColumnTransformer([
        ("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numeric),
        ("categorical", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                  ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]),
         categorical),
    ], sparse_threshold=0.0)
    inputs = np.asarray(preprocess.fit_transform(features), dtype=np.float32)
    classes, codes = np.unique(np.asarray(target), return_inverse=True)

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    order = np.random.default_rng(SEED).permutation(len(inputs))
    n_validation = round(len(inputs) * 0.15)
    validation, training = order[:n_validation], order[n_validation:]
    source = keras.Input(shape=(inputs.shape[1],))
    hidden = source
    for size in (64, 32):  # each Dense made before its Dropout, as in the plugin: both draw from Keras' seed
        hidden = keras.layers.Dense(size, activation="relu")(hidden)
        hidden = keras.layers.Dropout(0.1)(hidden)
    network = keras.Model(source, keras.layers.Dense(len(classes), activation="softmax")(hidden))
    network.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    stop_early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=15, restore_best_weights=True)
    history = network.fit(inputs[training], codes[training], epochs=200, batch_size=32, shuffle=True, verbose=0,
                          validation_data=(inputs[validation], codes[validation]), callbacks=[stop_early])
    network.save(args.model_file)
    # the benchmark checks that both sides trained as many epochs (the same work), as the plugin's history says
    Path(args.model_file + ".json").write_text(json.dumps({"epochs_run": len(history.epoch)}))


if __name__ == "__main__":
    main()
