"""Trainer plugins in a generated project, for real: generate them with `make plugin`, install and
uninstall them with their scripts, list them, train with them, and check the project is unharmed.

One project and one environment for the module (the tests run in order and build on each other):
the XGBoost plugin (the example the generator makes for NAME=xgboost) and a blank one, then the Keras
plugin (trained on penguins, diabetes and digits, exported to ONNX and TFLite, served, tuned). The
last tests render the generator and update a plugin without building an environment (not e2e).
"""

from __future__ import annotations

import json
import platform
import re
import sys
from pathlib import Path

import copier
import pytest

from .helpers import DEFAULTS, TEMPLATE, copier_copy, latest_metadata, make_env, project_python, run
from .template_repo import commit_and_tag, edit, template_repository
from .test_render import JINJA_MARKERS

PACKAGE = "penguin_classifier"
XGBOOST = f"plugins/{PACKAGE}_xgboost"
BLANK = f"plugins/{PACKAGE}_blank"
KERAS = f"plugins/{PACKAGE}_keras"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The default project (MLflow tracking, FastAPI) as the README's first command makes it: `make demo`
    renders it, builds its environment, trains and evaluates, and says where the results are."""
    root = tmp_path_factory.mktemp("plugins") / "project"
    demo = run(["make", "demo", f"DEMO_DIR={root}"], cwd=TEMPLATE).stdout
    model, metadata = next((root / "models").glob("*.skops")), next((root / "models" / "metadata").glob("*.json"))
    assert f"model:    {model}" in demo and f"metadata: {metadata}" in demo
    assert json.loads((root / "reports" / "metrics.json").read_text())["metrics"]["accuracy"] > 0.9
    BEFORE_PLUGINS[root] = installed(root)
    return root


# The latest model answers one penguin through the API (FastAPI's test client): the runtime's first word, the label.
SERVE_ONE_PENGUIN = (
    "from fastapi.testclient import TestClient\n"
    f"from {PACKAGE}.paths import ProjectPaths\n"
    f"from {PACKAGE}.serving.app import create_app\n"
    f"from {PACKAGE}.serving.service import PredictionService\n"
    f"from {PACKAGE}.config import load_params\n"
    "from pathlib import Path\n"
    "params = load_params()\n"
    "service = PredictionService.load(ProjectPaths(Path.cwd()), None, 100, params['serve']['runtime'],\n"
    "                                 dict(params['export']))\n"
    "client = TestClient(create_app(service))\n"
    "record = {'island': 'Biscoe', 'bill_length_mm': 48.0, 'bill_depth_mm': 15.0,\n"
    "          'flipper_length_mm': 220.0, 'body_mass_g': 5400.0, 'sex': 'male', 'year': 2008}\n"
    "answer = client.post('/predict', json=[record]).json()['predictions'][0]['prediction']\n"
    "print(service.runtime.split()[0], answer)\n"
)
BEFORE_PLUGINS: dict[Path, set[str]] = {}  # the distributions `make env` installed, before any plugin


def cli(root: Path, *args: str, check: bool = True):
    return run([str(root / ".venv" / "bin" / "python"), "-m", PACKAGE, *args], cwd=root, check=check)


def trainers(root: Path) -> dict[str, list[str]]:
    """`train list` as {name: [package, version, description...]}."""
    return {line.split()[0]: line.split()[1:] for line in cli(root, "train", "list").stdout.splitlines()}


def installed(root: Path) -> set[str]:
    listing = run(["uv", "pip", "list", "--format=json", "--python", ".venv/bin/python"], cwd=root).stdout
    return {entry["name"] for entry in json.loads(listing)}


@pytest.mark.e2e
def test_make_plugin_generates_the_xgboost_example_with_compiled_locks(project):
    run(["make", "plugin", "NAME=xgboost", "REF=HEAD"], cwd=project)
    plugin = project / XGBOOST
    for name in ["pyproject.toml", "install.sh", "README.md", "requirements.in", "requirements-gpu.in",
                 "requirements.txt", "requirements-gpu.txt", f"{PACKAGE}_xgboost/core.py",
                 f"{PACKAGE}_xgboost/model.py", "tests/test_xgboost.py"]:
        assert (plugin / name).is_file(), name
    answers = (project / ".copier" / "plugin-xgboost.yml").read_text()
    assert "trainer_template: xgboost" in answers and "_src_path" in answers  # `copier update -a` works on it
    assert f'xgboost = "{PACKAGE}_xgboost.core:trainer"' in (plugin / "pyproject.toml").read_text()
    cpu_lock = (plugin / "requirements.txt").read_text()
    gpu_lock = (plugin / "requirements-gpu.txt").read_text()
    assert "xgboost-cpu==" in cpu_lock and "\nxgboost==" not in cpu_lock
    # The GPU lock resolves to the full build (with its CUDA NCCL library on Linux x86_64).
    assert "\nxgboost==" in "\n" + gpu_lock and "xgboost-cpu" not in gpu_lock
    if platform.system() == "Linux" and platform.machine() == "x86_64":
        assert "nvidia-nccl-cu12==" in gpu_lock
    # Locks are compiled against the project's environment: they pin what the project has.
    numpy = project_python(project, "import numpy; print(numpy.__version__)")
    assert f"numpy=={numpy}" in cpu_lock


@pytest.mark.e2e
def test_install_sh_then_train_list_shows_it_and_it_trains_end_to_end(project):
    run(["bash", f"{XGBOOST}/install.sh"], cwd=project)
    listed = trainers(project)
    assert listed["xgboost"][:2] == [f"{PACKAGE.replace('_', '-')}-xgboost", "0.1.0"]
    assert " ".join(listed["xgboost"][2:]).startswith("Gradient-boosted trees with XGBoost")
    assert listed["sklearn"][:2] == ["penguin-classifier", "0.1.0"]

    result = run(["make", "train", "ARGS=train.trainer=xgboost"], cwd=project)
    assert "trainer    xgboost (penguin-classifier-xgboost 0.1.0)" in result.stdout
    metadata = latest_metadata(project)
    model_file = project / metadata["model"]["path"]
    assert metadata["trainer"]["name"] == "xgboost"
    assert metadata["model"]["format"] == f"{PACKAGE}_xgboost.model:FORMAT" and model_file.suffix == ".zip"
    assert metadata["environment"]["libraries"]["xgboost-cpu"]
    assert metadata["tracking"]["backend"] == "mlflow" and metadata["tracking"]["run_id"]
    assert metadata["metrics"]["accuracy"]["hold_out"] > 0.9
    assert metadata["metrics"]["accuracy"]["cross_val"] > 0.9

    assert "accuracy=" in run(["make", "evaluate", "ARGS=train.trainer=xgboost"], cwd=project).stdout
    assert "(69 rows)" in cli(project, "predict").stdout
    export = cli(project, "export").stdout
    # onnxmltools' XGBoost converter, registered by the plugin's model format; parity checked on the hold-out set.
    assert "onnx       model.onnx: 69/69 labels agree with scikit-learn" in export
    bundle = project / "artifacts" / model_file.stem
    assert (bundle / model_file.name).is_file() and (bundle / "model.onnx").is_file()
    assert json.loads((bundle / "export.json").read_text())["onnx"]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    # The plugin's model, served through its checked ONNX export.
    assert project_python(project, SERVE_ONE_PENGUIN) == "ONNX Gentoo"
    # A changed model file is refused before the plugin's loader sees it.
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    refused = cli(project, "evaluate", check=False)
    assert refused.returncode != 0 and "does not match its metadata" in refused.stderr
    # The plugin's own test, with the project's interpreter.
    run([".venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider", XGBOOST], cwd=project)


@pytest.mark.e2e
def test_install_sh_u_removes_the_plugin_but_not_its_dependencies(project):
    run(["bash", f"{XGBOOST}/install.sh", "-u"], cwd=project)
    assert "xgboost" not in trainers(project)
    assert "xgboost-cpu" in installed(project)  # the seed's rule: only install_all.sh -u cleans up
    failed = cli(project, "train", "train.trainer=xgboost", check=False)
    assert failed.returncode != 0
    assert "Unknown trainer 'xgboost' in train.trainer; installed: sklearn" in failed.stderr


@pytest.mark.e2e
def test_install_all_installs_two_plugins_and_listing_imports_none_of_them(project):
    run(["make", "plugin", "NAME=blank", "REF=HEAD"], cwd=project)
    assert "trainer_template: blank" in (project / ".copier" / "plugin-blank.yml").read_text()
    installed_all = run(["make", "plugins"], cwd=project).stdout
    plugins = sorted(path.parent.name for path in (project / "plugins").glob("*/install.sh"))
    counted = re.findall(r"^== \[(\d+)/(\d+)\] (\S+) \(\d+ s so far\)$", installed_all, flags=re.M)
    assert counted == [(str(i), str(len(plugins)), name) for i, name in enumerate(plugins, 1)], installed_all
    assert {"sklearn", "xgboost", "blank"} <= trainers(project).keys()
    loaded = project_python(project, (
        "import sys\n"
        f"from {PACKAGE}.cli import cli\n"
        "for args in (['--help'], ['train', 'list']):\n"
        "    try:\n"
        "        cli(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('xgboost', 'sklearn', 'pandas', 'numpy')\n"
        f"       or (m.startswith('{PACKAGE}_') and '.' in m)])\n"
    )).splitlines()[-1]
    assert loaded == "[]"
    assert "blank" in cli(project, "train", "train.trainer=blank", "train.cv_folds=0").stdout


@pytest.mark.e2e
def test_a_plugin_that_fails_to_import_is_named_and_the_others_still_train(project):
    core = project / BLANK / f"{PACKAGE}_blank" / "core.py"
    original = core.read_text()
    core.write_text(original.replace("import click\n", "import click\n\nraise ImportError('boom')\n", 1))
    try:
        assert "blank" in trainers(project)  # listing reads the docstring, it does not run the module
        failed = cli(project, "train", "train.trainer=blank", check=False)
        assert failed.returncode != 0
        assert "Trainer 'blank' (package penguin-classifier-blank" in failed.stderr
        assert "failed to import: ImportError: boom" in failed.stderr
        assert "xgboost (penguin-classifier-xgboost" in cli(
            project, "train", "train.trainer=xgboost", "train.cv_folds=0").stdout
    finally:
        core.write_text(original)


@pytest.mark.e2e
def test_gpu_flag_reaches_every_install_sh(project):
    result = run(["bash", "plugins/install_all.sh", "-g", "-n"], cwd=project)
    assert result.stdout.count("-- GPU mode!") == 2
    installs = [line for line in result.stdout.splitlines() if line.startswith("[dry run] uv pip install")]
    assert len(installs) == 4  # per plugin: its lock, then the plugin itself
    assert sum(line.endswith(".venv/bin/python -r requirements-gpu.txt") for line in installs) == 2
    assert "xgboost==" in (project / XGBOOST / "requirements-gpu.txt").read_text()
    assert "xgboost-cpu" in installed(project) and "xgboost" not in installed(project)  # nothing was installed


@pytest.mark.e2e
def test_install_all_u_removes_plugins_and_only_their_dependencies(project):
    before = installed(project)
    result = run(["make", "plugins-uninstall"], cwd=project)
    assert "Removing dependencies only plugins needed: onnxmltools xgboost-cpu" in result.stdout
    after = installed(project)
    # Exactly what the plugins brought goes (recorded before any plugin was installed), nothing else.
    assert after == BEFORE_PLUGINS[project]
    assert {"penguin-classifier-xgboost", "penguin-classifier-blank", "xgboost-cpu", "onnxmltools"} <= before - after
    # What the plugins' locks share with the project stays (onnx: skl2onnx needs it; numpy, scipy).
    assert {"numpy", "scipy", "onnx", "scikit-learn", "penguin-classifier"} <= after
    run(["uv", "pip", "check", "--python", ".venv/bin/python"], cwd=project)
    assert list(trainers(project)) == ["sklearn"]
    assert "trainer    sklearn" in cli(project, "train", "train.cv_folds=0").stdout


# Hyperparameters of the Keras plugin that the tests change: entries copied into params.yaml, as its README says.
KERAS_PARAMS = "  hyperparams:\n    epochs:\n      default_value: 200\n    network:\n      default_value: mlp\n"
KERAS_FAST = "train.trainer=keras train.cv_folds=0 train.hyperparams.epochs.default_value=40"


@pytest.fixture(scope="module")
def keras_project(project) -> Path:
    """The module's project after the tests above (their plugins uninstalled), with the Keras plugin
    generated and every plugin installed again; params.yaml gets the entries the Keras tests override.
    The Keras tests share it and run in order."""
    run(["make", "plugin", "NAME=keras", "TRAINER=keras", "REF=HEAD"], cwd=project)
    run(["make", "plugins"], cwd=project)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("  hyperparams:\n", KERAS_PARAMS, 1))
    return project


@pytest.mark.e2e
def test_keras_plugin_is_listed_without_importing_tensorflow(keras_project):
    project, plugin = keras_project, keras_project / KERAS
    assert "trainer_template: keras" in (project / ".copier" / "plugin-keras.yml").read_text()
    cpu_lock, gpu_lock = (plugin / "requirements.txt").read_text(), (plugin / "requirements-gpu.txt").read_text()
    assert "tensorflow-cpu==" in cpu_lock and "\nkeras==" in cpu_lock and "\ntensorflow==" not in cpu_lock
    for pinned in ("keras-tuner==", "tf2onnx==", "ai-edge-litert=="):  # tuning, ONNX and TFLite, both builds
        assert pinned in cpu_lock and pinned in gpu_lock, pinned
    assert "\ntensorflow==" in gpu_lock and "tensorflow-cpu" not in gpu_lock
    if platform.system() == "Linux" and platform.machine() == "x86_64":
        assert "nvidia-cudnn-cu12==" in gpu_lock
    dry_run = run(["bash", f"{KERAS}/install.sh", "-g", "-n"], cwd=project).stdout  # the CUDA build, not installed
    assert "-- GPU mode!" in dry_run and any(line.startswith("[dry run] uv pip install") and
                                             line.endswith("-r requirements-gpu.txt") for line in dry_run.splitlines())
    assert " ".join(trainers(project)["keras"]).startswith("penguin-classifier-keras 0.1.0 Keras neural network")
    loaded = project_python(project, (
        "import sys\n"
        f"from {PACKAGE}.cli import cli\n"
        "for args in (['--help'], ['train', 'list']):\n"
        "    try:\n"
        "        cli(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'sklearn'}))\n"
    )).splitlines()[-1]
    assert loaded == "[]"


@pytest.mark.e2e
def test_keras_trains_on_penguins_and_a_regression_table(keras_project):
    project = keras_project
    # A regression table first (the bundled diabetes data): one linear output, mean squared error.
    # batch_size: a hyperparameter of the plugin's own that params.yaml does not name, overridden all the same
    run(["make", "train", f"ARGS={KERAS_FAST} data.dataset=diabetes tracking.backend=none "
         "train.hyperparams.batch_size.default_value=64"], cwd=project)
    assert "batch_size" not in (project / "params.yaml").read_text()
    diabetes = latest_metadata(project)
    assert diabetes["trainer"]["name"] == "keras" and diabetes["task"] == "regression"
    assert diabetes["model"]["type"].endswith("Pipeline") and diabetes["classes"] == []
    assert diabetes["metrics"]["r2"]["hold_out"] > 0.3  # predicting the mean scores about 0
    history = json.loads((project / "reports" / "trainers" / "keras" / "history.json").read_text())
    assert history["task"] == "regression" and {"loss", "mae", "val_loss", "val_mae"} <= history["history"].keys()
    assert history["hyperparameters"]["epochs"] == 40 and history["hyperparameters"]["seed"] == 42
    assert history["hyperparameters"]["batch_size"] == 64

    result = run(["make", "train", f"ARGS={KERAS_FAST}"], cwd=project)
    assert "trainer    keras (penguin-classifier-keras 0.1.0)" in result.stdout
    metadata = latest_metadata(project)
    assert metadata["trainer"]["name"] == "keras" and metadata["task"] == "classification"
    assert metadata["model"]["format"] == f"{PACKAGE}_keras.model:FORMAT"
    assert metadata["environment"]["libraries"]["tensorflow-cpu"] and metadata["environment"]["libraries"]["keras"]
    assert metadata["metrics"]["accuracy"]["hold_out"] > 0.9  # three species: chance is below 0.5
    history = json.loads((project / "reports" / "trainers" / "keras" / "history.json").read_text())
    assert 0 < history["epochs_run"] == len(history["history"]["val_loss"]) <= 40
    assert "reports/trainers/keras/history.json" in [artifact["path"] for artifact in metadata["artifacts"]]
    # Each epoch reached MLflow as a step of the run's series.
    steps = json.loads(project_python(project, (
        "import json, mlflow; mlflow.set_tracking_uri('sqlite:///mlflow.db'); "
        f"print(json.dumps(sorted((m.step, m.value) for m in mlflow.MlflowClient().get_metric_history("
        f"{metadata['tracking']['run_id']!r}, 'val_loss'))))")))
    assert [step for step, _ in steps] == list(range(history["epochs_run"]))
    assert [value for _, value in steps] == pytest.approx(history["history"]["val_loss"])
    # The report draws the learning curves of the model's history (the CLI: with DVC, `make evaluate` would
    # reproduce the pipeline's own train stage first).
    cli(project, "evaluate")
    cli(project, "report")
    assert "![Learning curves](figures/report/learning_curves.png)" in (project / "reports" / "report.md").read_text()


@pytest.mark.e2e
def test_keras_exports_onnx_and_tflite_and_serves_through_onnx(keras_project):
    project, metadata = keras_project, latest_metadata(keras_project)
    model_file = project / metadata["model"]["path"]
    export = cli(project, "export").stdout
    assert "onnx       model.onnx: 69/69 labels agree with scikit-learn" in export
    assert "tflite     model.tflite + preprocessing.json: LiteRT agrees with Keras on 69 hold-out rows" in export
    bundle = project / "artifacts" / model_file.stem
    record = json.loads((bundle / "export.json").read_text())
    assert record["onnx"]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert record["formats"]["tflite"]["parity"]["max_difference"] <= 1e-4
    recipe = json.loads((bundle / "preprocessing.json").read_text())
    assert recipe["output"]["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    assert {"model.onnx", "model.tflite", "preprocessing.json"} <= set((bundle / "SHA256SUMS").read_text().split())
    assert "runtime    ONNX Runtime on" in cli(project, "predict").stdout
    assert project_python(project, SERVE_ONE_PENGUIN) == "ONNX Gentoo"


@pytest.mark.e2e
def test_keras_cnn_learns_digits(keras_project):
    run(["make", "train", f"ARGS={KERAS_FAST} data.dataset=digits tracking.backend=none "
         "train.hyperparams.network.default_value=cnn train.hyperparams.epochs.default_value=12"], cwd=keras_project)
    digits = latest_metadata(keras_project)
    assert digits["data"]["dataset"] == "digits" and len(digits["features"]) == 64
    assert digits["model"]["hyperparameters"]["network"] == "cnn"
    assert digits["metrics"]["accuracy"]["hold_out"] > 0.95  # ten classes: chance is 0.1


@pytest.mark.e2e
@pytest.mark.parametrize("backend, algorithm", [("optuna", "tpe"), ("keras_tuner", "bayesian"),
                                                ("keras_tuner", "hyperband"), ("ray", "tpe")])
def test_keras_tunes_with_the_same_report(keras_project, backend, algorithm):
    """Two trials, two folds, few epochs: the project's search (Optuna, or Ray Tune on a local Ray started
    by the command) or KerasTuner's, the same report. Hyperband picks each trial's epochs (its budget)."""
    if backend == "ray":
        make_env(keras_project, "EXTRAS=ray")  # `uv sync --inexact`: the installed plugins stay
    asked = algorithm if backend == "keras_tuner" else "bayesian"  # KerasTuner's choice; the others' is tpe
    tuned = run(["make", "tune", f"ARGS=train.trainer=keras tuning.backend={backend} tuning.max_trials=2 "
                 f"tuning.cv_folds=2 tuning.algorithm={asked} train.hyperparams.epochs.default_value=10 "
                 "tracking.backend=none"], cwd=keras_project)
    report = json.loads((keras_project / "reports" / "tuning.json").read_text())
    assert report["trainer"] == "keras" and report["backend"] == backend and report["algorithm"] == algorithm
    assert report["tuned"] == ["hidden_units", "dropout", "batch_size", "learning_rate"]
    assert report["n_trials"] == 2 and [trial["state"] for trial in report["trials"]] == ["COMPLETE", "COMPLETE"]
    assert all(0 < trial["score"] <= 1 for trial in report["trials"])
    assert report["best_score"] == max(trial["score"] for trial in report["trials"])
    epochs = [trial["values"]["epochs"] for trial in report["trials"]]
    best_epochs = report["best_values"]["epochs"]
    if algorithm == "hyperband":
        assert all(0 < n < 10 for n in epochs)  # the first bracket's short trainings
        assert f"train.hyperparams.epochs.default_value={best_epochs}" in report["override"]
    else:
        assert epochs == [10, 10] and "epochs" not in report["override"]
    # The printed override trains what the best trial scored, as it is (no params.yaml edit needed).
    assert f'train with make train ARGS="train.trainer=keras {report["override"]}"' in tuned.stdout


@pytest.mark.e2e
def test_keras_plugin_own_tests_pass(keras_project):
    """The plugin's own tests (classification, regression, reproducibility, epochs, exports, tuning specs)."""
    run([".venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider", KERAS], cwd=keras_project)


@pytest.mark.parametrize("trainer", ["xgboost", "keras", "blank"])
def test_the_generator_renders_clean_code_for_each_starting_point(tmp_path, trainer):
    """Without building anything: each starting point renders, flake8-clean, with no Jinja left."""
    root = copier_copy(tmp_path / "project", {**DEFAULTS, "use_dvc": False, "tracking": "none"})
    run(["copier", "copy", "--trust", "--defaults", "--vcs-ref=HEAD", "--data=kind=plugin", f"--data=name={trainer}x",
         f"--data=trainer_template={trainer}", str(TEMPLATE), "."], cwd=root)
    plugin = root / "plugins" / f"{PACKAGE}_{trainer}x"
    files = [path for path in plugin.rglob("*") if path.is_file()]
    assert not [path for path in files if JINJA_MARKERS.search(path.read_text()) or path.suffix == ".jinja"]
    run([sys.executable, "-m", "flake8", "plugins"], cwd=root)
    assert (plugin / "requirements.txt").is_file() and (plugin / "requirements-gpu.txt").is_file()
    core = (plugin / f"{PACKAGE}_{trainer}x" / "core.py").read_text()
    starts = {"xgboost": "Gradient-boosted trees", "keras": "Keras neural network",
              "blank": "Extra trees (classifier or regressor)"}
    assert core.startswith(f'"""{starts[trainer]}')


def test_copier_update_updates_one_plugin_and_keeps_its_edits(tmp_path):
    """Plugin answers live in .copier/plugin-<name>.yml, so `copier update -a` upgrades just that plugin."""
    template = template_repository(tmp_path / "template")
    root = tmp_path / "project"
    copier.run_copy(str(template), str(root), data={"use_dvc": False, "tracking": "none"}, defaults=True,
                    unsafe=True, quiet=True)
    copier.run_copy(str(template), str(root), data={"kind": "plugin", "name": "blank"}, defaults=True,
                    unsafe=True, quiet=True)
    model = root / BLANK / f"{PACKAGE}_blank" / "model.py"
    edit(model, 'values.get("n_estimators", 100)', 'values.get("n_estimators", 300)')  # the user's change
    commit_and_tag(root, None, "Project and plugin")
    project_readme = (root / "README.md").read_text()

    plugin_template = template / "generators" / "plugin" / "plugins" / "{{ host_project.package_name }}_{{ name }}"
    edit(plugin_template / "README.md.jinja", "## Files", "## Files of the plugin")
    # The release also reserves the name the plugin already has: the update keeps it all the same.
    edit(template / "copier" / "reserved-names.yml", '"fnmatch",', '"blank", "fnmatch",')
    commit_and_tag(template, "v0.2.0", "plugin README change")
    copier.run_update(str(root), answers_file=".copier/plugin-blank.yml", defaults=True, overwrite=True,
                      unsafe=True, quiet=True)

    assert "## Files of the plugin" in (root / BLANK / "README.md").read_text()
    assert 'values.get("n_estimators", 300)' in model.read_text()
    assert (root / "README.md").read_text() == project_readme  # the project itself is not touched
    plugin_answers = (root / ".copier" / "plugin-blank.yml").read_text()
    assert "_commit: v0.2.0" in plugin_answers and f"package_name: {PACKAGE}" in plugin_answers
    assert "_commit: v0.1.0" in (root / ".copier-answers.yml").read_text()
    assert "name: blank" in plugin_answers and (root / BLANK / f"{PACKAGE}_blank" / "core.py").is_file()
