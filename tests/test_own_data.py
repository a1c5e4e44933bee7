"""A project trains on the user's own table: a CSV with ids, dates and missing values, a regression CSV,
a SQLite query, a file imported from a DVC data registry; each bad table stops with an error that names what
to fix, writing nothing; a table whose columns changed since the last model is named at staging.

The tables are made here, from seeded random numbers, with the standard library only; one default project
(its environment built once) serves every test of the module.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from .helpers import DEFAULTS, copier_copy, data_registry, latest_metadata, project_dvc, project_python, run

pytestmark = pytest.mark.e2e
PACKAGE = "penguin_classifier"
ROWS = 400


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("own-data") / "project"
    copier_copy(root, DEFAULTS)
    run(["make", "env"], cwd=root)
    (root / "incoming").mkdir()
    return root


def cli(root: Path, *args: str, check: bool = True):
    """The project's CLI, tracking off (tests of tracking are elsewhere)."""
    return run([str(root / ".venv" / "bin" / "python"), "-m", PACKAGE, *args], cwd=root, check=check,
               env={"PARAMS_OVERRIDES": "tracking.backend=none"})


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.write_text(csv_text(header, rows), encoding="utf-8")
    return path


def churn_rows(seed: int = 7) -> tuple[list[str], list[list[object]]]:
    """Customers: an id, a signup date, two text columns with gaps, three numbers, a yes/no target."""
    rng = random.Random(seed)
    header = ["Customer ID", "signup_date", "plan", "region", "tenure_months", "monthly_charges", "support_calls",
              "churned"]
    rows = []
    for index in range(ROWS):
        tenure, charges, calls = rng.randint(1, 72), round(rng.gauss(70, 20), 2), rng.randint(0, 6)
        plan = rng.choice(["basic", "plus", "pro", ""])  # "" is a missing value in the CSV
        region = rng.choice(["north", "south", "east", "west", ""])
        risk = 0.6 * (plan == "basic") + 0.03 * (charges - 70) - 0.04 * tenure + 0.2 * calls
        churned = "yes" if risk + rng.gauss(0, 0.5) > 0 else "no"
        rows.append([f"C{index:05d}", f"2021-{1 + index % 12:02d}-{1 + index % 28:02d}", plan, region, tenure,
                     charges, calls, churned])
    return header, rows


def test_a_churn_csv_trains_without_ids_as_features_and_predicts_with_ids(project):
    header, rows = churn_rows()
    source = write_csv(project / "incoming" / "churn.csv", header, rows)
    result = run(["make", "train", "ARGS=data.dataset=churn data.source=incoming/churn.csv data.target=churned "
                  "data.id_columns=[customer_id] data.date_columns=[signup_date] tracking.backend=none"], cwd=project)
    assert "task       classification: 'churned' holds labels (2 distinct values)" in result.stdout
    assert (project / "data" / "raw" / "churn.csv").read_bytes() == source.read_bytes()  # copied as it is
    metadata = latest_metadata(project)
    assert metadata["task"] == "classification" and metadata["positive_class"] == "yes"
    assert set(metadata["metrics"]) == {"accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "average_precision"}
    assert 0.5 < metadata["metrics"]["roc_auc"]["hold_out"] <= 1.0
    features = {feature["name"]: feature for feature in metadata["features"]}
    assert "customer_id" not in features and "signup_date" not in features
    assert {"signup_date_year", "signup_date_month", "signup_date_dayofweek"} <= set(features)
    assert features["plan"]["values"] == ["basic", "plus", "pro"]
    assert features["tenure_months"]["min"] >= 1 and features["tenure_months"]["max"] <= 72
    assert metadata["data"]["id_columns"] == ["customer_id"] and metadata["data"]["date_columns"] == ["signup_date"]

    new = write_csv(project / "incoming" / "new.csv", header[:-1], [row[:-1] for row in rows[:25]])
    run(["make", "predict", f"ARGS=--input {new} --output data/predictions/new.csv"], cwd=project)
    with (project / "data" / "predictions" / "new.csv").open() as handle:
        predicted = list(csv.DictReader(handle))
    assert [row["customer_id"] for row in predicted] == [row[0] for row in rows[:25]]
    assert {row["prediction"] for row in predicted} <= {"yes", "no"}
    assert all(0.0 <= float(row["probability_yes"]) <= 1.0 for row in predicted)


def test_unknown_categories_are_counted_or_refused_by_name(project):
    header, rows = churn_rows(seed=9)
    write_csv(project / "incoming" / "churn_checks.csv", header, rows)
    cli(project, "train", "data.dataset=churn_checks", "data.source=incoming/churn_checks.csv",
        "data.target=churned", "data.id_columns=[customer_id]", "data.date_columns=[signup_date]")
    new_rows = [row[:-1] for row in rows[:30]]
    for row in new_rows[:3]:
        row[2] = "platinum"  # a plan training never saw
    new = write_csv(project / "incoming" / "unknown_plan.csv", header[:-1], new_rows)
    output = project / "data" / "predictions" / "unknown_plan.csv"

    counted = run(["make", "predict", f"ARGS=--input {new} --output {output}"], cwd=project)
    assert "unknown    3 value(s) of 'plan' not seen in training" in counted.stdout
    assert len(output.read_text().splitlines()) == 1 + len(new_rows)
    output.unlink()

    refused = run(["make", "predict", f"ARGS=--input {new} --output {output} predict.unknown_categories=error"],
                  cwd=project, check=False)
    assert refused.returncode != 0
    assert "column 'plan': value 'platinum' was not seen in training" in refused.stdout + refused.stderr
    assert not output.exists()


def test_an_unlisted_identifier_gets_a_warning_naming_id_columns(project):
    header, rows = churn_rows(seed=8)
    write_csv(project / "incoming" / "churn_ids.csv", header, rows)
    result = cli(project, "data", "all", "data.dataset=churn_ids", "data.source=incoming/churn_ids.csv",
                 "data.target=churned")
    assert "column 'customer_id' looks like an identifier" in result.stderr
    assert "data.id_columns=[customer_id]" in result.stderr
    assert "column 'signup_date' looks like dates" in result.stderr and "data.date_columns" in result.stderr


def test_a_continuous_target_is_regression_with_its_metrics(project):
    rng = random.Random(11)
    rows = []
    for _ in range(ROWS):
        size, rooms, age = rng.uniform(30, 200), rng.randint(1, 6), rng.uniform(0, 80)
        district = rng.choice(["old town", "harbour", "hills"])
        price = 1000 + 25 * size + 300 * rooms - 8 * age + {"old town": 900, "harbour": 400, "hills": 0}[district]
        rows.append([round(size, 1), rooms, round(age, 1), district, round(price + rng.gauss(0, 150), 2)])
    write_csv(project / "incoming" / "prices.csv", ["size_m2", "rooms", "age_years", "district", "price"], rows)
    result = cli(project, "train", "data.dataset=prices", "data.source=incoming/prices.csv", "data.target=price")
    assert "task       regression: 'price' holds numbers" in result.stdout
    metadata = latest_metadata(project)
    assert metadata["task"] == "regression" and metadata["classes"] == []
    assert set(metadata["metrics"]) == {"rmse", "mae", "r2", "mape"}
    assert metadata["metrics"]["r2"]["hold_out"] > 0.8 and metadata["metrics"]["rmse"]["hold_out"] > 0
    evaluated = cli(project, "evaluate")
    assert "rmse=" in evaluated.stdout
    assert json.loads((project / "reports" / "metrics.json").read_text())["task"] == "regression"
    cli(project, "report")
    figures = project / "reports" / "figures" / "report"
    drawn = {path.name for path in figures.iterdir()}
    assert {"predicted_vs_actual.png", "residuals.png", "target_distribution.png"} <= drawn
    assert "Predicted against actual" in (project / "reports" / "report.md").read_text()
    write_csv(project / "incoming" / "new_prices.csv", ["size_m2", "rooms", "age_years", "district"],
              [row[:4] for row in rows[:10]])
    predicted = cli(project, "predict", "--input", "incoming/new_prices.csv", "--output", "data/predictions/p.csv")
    assert "ONNX Runtime" in predicted.stdout  # the export's value parity passed
    with (project / "data" / "predictions" / "p.csv").open() as handle:
        values = [float(row["prediction"]) for row in csv.DictReader(handle)]
    assert len(values) == 10 and all(abs(value - row[4]) < 2000 for value, row in zip(values, rows))


def test_a_sqlite_query_is_a_source_and_its_url_stays_in_env(project):
    database = project / "data" / "external" / "shop.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(5)
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER, visits INTEGER, spend REAL, segment TEXT, "
                           "bought TEXT)")
        connection.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", [
            (index, visits, round(rng.uniform(0, 500), 2), rng.choice(["a", "b"]),
             "yes" if visits + rng.gauss(0, 2) > 5 else "no")
            for index, visits in ((index, rng.randint(0, 12)) for index in range(ROWS))])
    (project / ".env").write_text("DATABASE_URL=sqlite:///data/external/shop.db\n")
    source = 'data.source={sql: "SELECT * FROM customers WHERE spend >= 0", url_env: DATABASE_URL}'
    result = cli(project, "train", "data.dataset=shop", source, "data.target=bought", "data.id_columns=[id]")
    assert "task       classification" in result.stdout
    with (project / "data" / "raw" / "shop.csv").open() as handle:
        assert sum(1 for _ in handle) == ROWS + 1
    metadata = latest_metadata(project)
    assert metadata["data"]["source"] == "SQL query on $DATABASE_URL"
    assert "sqlite" not in json.dumps(metadata["data"])
    assert [feature["name"] for feature in metadata["features"]] == ["visits", "spend", "segment"]


CHURN_COLUMNS = ["data.target=churned", "data.id_columns=[customer_id]", "data.date_columns=[signup_date]"]


def test_a_data_registry_file_is_imported_trained_on_and_updated(project, tmp_path):
    header, rows = churn_rows(seed=13)
    first, second = csv_text(header, rows[:300]), csv_text(header, rows)
    registry = data_registry(tmp_path / "registry", {"tables/customers.csv": first}, project_dvc(project))
    plain = tmp_path / "plain"
    run(["git", "init", "--quiet", str(plain)], cwd=tmp_path)
    (plain / "customers.csv").write_text(first)
    run(["git", "-C", str(plain), "add", "-A"], cwd=tmp_path)
    run(["git", "-C", str(plain), "commit", "--quiet", "-m", "A table, no DVC"], cwd=tmp_path)
    for arguments, message in [([f"REPO={registry}"], "FILE missing: make import REPO=<git URL"),
                               ([f"REPO={plain}", "FILE=customers.csv"], "is not a DVC repository"),
                               ([f"REPO={registry}", "FILE=tables/nothing.csv"], "FILE=tables/nothing.csv is not in")]:
        refused = run(["make", "import", *arguments], cwd=project, check=False)
        assert refused.returncode != 0 and message in refused.stderr, refused.stderr
        assert not (project / "data" / "raw" / "customers.csv").exists()

    imported = run(["make", "import", f"REPO={registry}", "FILE=tables/customers.csv"], cwd=project)
    assert "dvc update data/raw/customers.csv.dvc" in imported.stdout
    raw = project / "data" / "raw" / "customers.csv"
    assert raw.read_text() == first
    source = yaml.safe_load(raw.with_name("customers.csv.dvc").read_text())["deps"][0]["repo"]
    assert source["url"] == str(registry) and re.fullmatch(r"[0-9a-f]{40}", source["rev_lock"])
    raw.unlink()  # DVC finds the import among data/raw's .dvc files (.gitignore must not hide them from it)
    run([str(project / ".venv" / "bin" / "dvc"), "checkout", "--recursive", "data/raw"], cwd=project)
    assert raw.is_file() and raw.read_text() == first
    again = run(["make", "import", f"REPO={registry}", "FILE=tables/customers.csv"], cwd=project, check=False)
    assert again.returncode != 0
    assert "exists already" in again.stderr and "`dvc update data/raw/customers.csv.dvc`" in again.stderr

    cli(project, "train", "data.dataset=customers_v1", "data.source=data/raw/customers.csv", *CHURN_COLUMNS)
    metadata = latest_metadata(project)
    assert metadata["data"]["source"] == "data/raw/customers.csv"
    assert metadata["data"]["train"]["rows"] + metadata["data"]["test"]["rows"] == 300

    data_registry(registry, {"tables/customers.csv": second}, project_dvc(project))  # the registry's new version
    run([str(project / ".venv" / "bin" / "dvc"), "update", "data/raw/customers.csv.dvc"], cwd=project)
    assert raw.read_text() == second
    kept = cli(project, "data", "load", "data.dataset=customers_v1", "data.source=data/raw/customers.csv",
               *CHURN_COLUMNS)
    assert "differs from its raw copy customers_v1.csv, which is kept" in kept.stderr
    newer = cli(project, "data", "all", "data.dataset=customers_v2", "data.source=data/raw/customers.csv",
                *CHURN_COLUMNS)
    assert "train      data/transformed/customers_v2-train.parquet" in newer.stdout
    assert (project / "data" / "raw" / "customers_v2.csv").read_text() == second


@contextmanager
def data_params(root: Path, **values: str) -> Iterator[None]:
    """params.yaml with keys of its data section set (`make data` runs dvc repro, which takes no ARGS), then
    restored for the module's other tests."""
    path = root / "params.yaml"
    original = text = path.read_text()
    for key, value in values.items():
        text, found = re.subn(rf"^  {key}: .*$", f"  {key}: {value}", text, count=1, flags=re.M)
        assert found, key
    path.write_text(text)
    try:
        yield
    finally:
        path.write_text(original)


def test_changed_columns_are_named_at_staging_and_refused_under_error(project):
    header, rows = churn_rows(seed=14)
    write_csv(project / "incoming" / "churn_schema.csv", header, rows)
    table = {"dataset": "churn_schema", "source": "incoming/churn_schema.csv", "target": "churned",
             "id_columns": "[customer_id]", "date_columns": "[signup_date]"}
    with data_params(project, **table):
        run(["make", "data"], cwd=project)
        cli(project, "train")
    # The next version of the table: support_calls gone, monthly_charges with text in it.
    charges = header.index("monthly_charges")
    changed = [[value if index != charges or row_index % 50 else "unknown"
                for index, value in enumerate(row) if header[index] != "support_calls"]
               for row_index, row in enumerate(rows)]
    write_csv(project / "data" / "raw" / "churn_schema.csv", [name for name in header if name != "support_calls"],
              changed)
    staging = project / "data" / "staging" / "churn_schema.parquet"
    staged = staging.read_bytes()
    named = ["missing column 'support_calls'",
             "column 'monthly_charges' held numeric values in training, text now (e.g. 'unknown')"]

    with data_params(project, **table, schema_changes="error"):
        refused = run(["make", "data"], cwd=project, check=False)
    assert refused.returncode != 0
    assert all(line in refused.stderr for line in named) and "data.schema_changes=warn" in refused.stderr
    assert staging.read_bytes() == staged

    with data_params(project, **table):
        warned = run(["make", "data"], cwd=project)
    assert all(line in warned.stderr for line in named) and "data.schema_changes: warn" in warned.stderr
    assert staging.read_bytes() != staged


def latin1_file(path: Path) -> None:
    path.write_bytes("name,y\n".encode() + "".join(f"Zoë{i},{i % 2}\n" for i in range(30)).encode("latin-1"))


BAD_TABLES = {
    "empty": (lambda path: path.write_bytes(b""), [], "is empty"),
    "missing_target": (lambda path: write_csv(path, ["a", "b"], [[1, 2], [3, 4]]), [],
                       "data.target: column 'y' is not in the table"),
    "one_class": (lambda path: write_csv(path, ["a", "y"], [[i, "yes"] for i in range(30)]), [],
                  "has a single value ('yes') in every row"),
    "float_classification": (lambda path: write_csv(path, ["a", "y"], [[i, i / 7] for i in range(30)]),
                             ["data.task=classification"], "set data.task=regression"),
    "duplicate_columns": (lambda path: write_csv(path, ["a", "a", "y"], [[1, 2, "x"], [3, 4, "z"]]), [],
                          "column name(s) ['a'] appear more than once"),
    "not_utf8": (latin1_file, [], "is not valid utf-8 text"),
    "wrong_delimiter": (lambda path: path.write_text("a;b;y\n" + "".join(f"{i};{i};{i % 2}\n" for i in range(30))),
                        [], "is data.read.delimiter (now ',') the file's delimiter?"),
}


@pytest.mark.parametrize("case", BAD_TABLES)
def test_a_bad_table_is_refused_by_name_and_nothing_is_written(project, case):
    make, overrides, message = BAD_TABLES[case]
    make(project / "incoming" / f"{case}.csv")
    result = cli(project, "data", "all", f"data.dataset={case}", f"data.source=incoming/{case}.csv",
                 "data.target=y", *overrides, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    written = [path for folder in ("raw", "staging", "transformed") for path in (project / "data" / folder).iterdir()
               if path.name.startswith(case)]
    assert written == []


def test_the_regression_example_trains_on_the_bundled_diabetes_table_also_with_the_xgboost_plugin(tmp_path):
    root = copier_copy(tmp_path / "project", {**DEFAULTS, "task": "regression", "tracking": "none"})
    params = (root / "params.yaml").read_text()
    assert "  dataset: diabetes" in params and "values: [random_forest, ridge, hist_gradient_boosting]" in params
    run(["make", "env"], cwd=root)
    result = run(["make", "train"], cwd=root)
    assert "task       regression: 'target' holds numbers" in result.stdout
    metadata = latest_metadata(root)
    assert metadata["task"] == "regression" and metadata["data"]["dataset"] == "diabetes"
    assert set(metadata["metrics"]) == {"rmse", "mae", "r2", "mape"} and metadata["metrics"]["r2"]["hold_out"] > 0.2
    assert "template: scatter" in (root / "dvc.yaml").read_text()

    # A trainer plugin is told the task: the XGBoost example fits an XGBRegressor, exported with value parity.
    run(["make", "plugin", "NAME=xgboost", "REF=HEAD"], cwd=root)
    run(["make", "plugins"], cwd=root)
    trained = run(["make", "train", "ARGS=train.trainer=xgboost"], cwd=root)
    assert "task       regression" in trained.stdout and "trainer    xgboost" in trained.stdout
    metadata = latest_metadata(root)
    assert metadata["trainer"]["name"] == "xgboost" and metadata["task"] == "regression"
    assert set(metadata["metrics"]) == {"rmse", "mae", "r2", "mape"} and metadata["classes"] == []
    assert metadata["metrics"]["r2"]["hold_out"] > 0.1 and metadata["metrics"]["rmse"]["cross_val"] > 0
    final_step = project_python(root, (
        "from pathlib import Path\n"
        f"from {PACKAGE}.model.loading import load_trained\n"
        f"from {PACKAGE}.paths import ProjectPaths\n"
        "model, _ = load_trained(ProjectPaths(Path.cwd()), None)\n"
        "print(type(model.steps[-1][1]).__name__)\n"
    ))
    assert final_step == "XGBRegressor"
    exported = run(["make", "export"], cwd=root).stdout
    assert "model.onnx: values agree with scikit-learn on" in exported
    # The plugin's own tests: both tasks, the model file and the ONNX export of each.
    plugin_tests = run([".venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        f"plugins/{PACKAGE}_xgboost"], cwd=root)
    assert "4 passed" in plugin_tests.stdout
