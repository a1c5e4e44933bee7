"""The Copier tasks: validation names every missing file, scaffolding never overwrites,
git is initialised only outside an existing repository."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from .helpers import TEMPLATE, render, run

HOOKS = TEMPLATE / "hooks"


def test_validation_names_every_missing_file(tmp_path):
    root = render(tmp_path / "project")
    (root / "parago.yml").unlink()
    (root / "artifacts" / ".gitkeep").unlink()
    result = run([sys.executable, HOOKS / "validate_required_files.py", "--package=penguin_classifier"],
                 cwd=root, check=False)
    assert result.returncode == 1
    assert "parago.yml" in result.stderr and "artifacts/.gitkeep" in result.stderr
    assert "Missing 2 required file(s)" in result.stderr


def test_validation_is_read_only(tmp_path):
    root = render(tmp_path / "project")
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if ".git" not in p.parts}
    run([sys.executable, HOOKS / "validate_required_files.py", "--package=penguin_classifier"], cwd=root)
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*") if ".git" not in p.parts} == before


def test_scaffolding_never_overwrites_user_code(tmp_path):
    root = render(tmp_path / "project", include_example=False)
    train = root / "src" / "penguin_classifier" / "model" / "train.py"
    train.write_text("# my model\n")
    (root / "src" / "penguin_classifier" / "model" / "deploy.py").unlink()
    result = run([sys.executable, HOOKS / "scaffold_stubs.py", "--package=penguin_classifier"], cwd=root)
    assert train.read_text() == "# my model\n"
    assert "model/deploy.py" in result.stdout and "train.py" not in result.stdout


def test_example_project_gets_no_stubs(tmp_path):
    root = render(tmp_path / "project", include_example=True)
    assert "TODO" not in (root / "src" / "penguin_classifier" / "model" / "train.py").read_text()


def test_git_is_initialised_only_outside_a_repository(tmp_path):
    outer = tmp_path / "monorepo"
    outer.mkdir()
    subprocess.run(["git", "init", "-q", str(outer)], check=True)
    nested = render(outer / "project")
    assert not (nested / ".git").exists()
    standalone = render(tmp_path / "standalone")
    assert (standalone / ".git").is_dir()


def test_migration_releases_only_untouched_owned_files_and_restores_unrendered_ones(tmp_path):
    """An owned file as a release wrote it leaves the index (copier then writes the new version); an
    edited one stays; after the update, a released file that nothing rendered comes back from git."""
    sys.path.insert(0, str(HOOKS))
    from project_hooks.migrations import release_untouched, restore_unrendered

    model = tmp_path / "src" / "pkg" / "model"
    model.mkdir(parents=True)
    (model / "predict.py").write_text("released\n")
    (model / "train.py").write_text("released, then edited\n")
    migrations = tmp_path / "migrations.yml"
    released_sha = hashlib.sha256(b"released\n").hexdigest()
    migrations.write_text(f"untouched:\n  - path: src/{{package}}/model/predict.py\n    sha256: [{released_sha}]\n"
                          f"  - path: src/{{package}}/model/train.py\n    sha256: [{released_sha}]\n")
    for command in (["init", "--quiet"], ["add", "-A"], ["commit", "--quiet", "-m", "start"]):
        subprocess.run(["git", *command], cwd=tmp_path, check=True)

    assert release_untouched(tmp_path, "pkg", migrations) == ["src/pkg/model/predict.py"]
    assert not (model / "predict.py").exists() and (model / "train.py").read_text() == "released, then edited\n"
    assert restore_unrendered(tmp_path, "pkg", migrations) == ["src/pkg/model/predict.py"]
    assert (model / "predict.py").read_text() == "released\n"


def test_copier_refuses_the_template_without_trust_and_writes_nothing(tmp_path):
    """The README's claim: the hooks are Copier tasks, so `copier copy` without --trust stops with exit code 4."""
    result = run(["copier", "copy", "--defaults", "--vcs-ref=HEAD", str(TEMPLATE), str(tmp_path / "project")],
                 cwd=tmp_path, check=False)
    assert result.returncode == 4, result
    assert "--trust" in result.stderr + result.stdout
    assert not (tmp_path / "project").exists()


def test_a_dvc_step_s_outputs_are_ignored_by_git_as_dvc_would(tmp_path):
    """What DVC writes once it runs the stage, written at generation: `git add -A` before the first
    `dvc repro` must not take the outputs into git (DVC would then refuse the stage)."""
    run(["git", "init", "-q"], cwd=tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / ".gitignore").write_text("/report.md")  # DVC's, without a final newline
    outputs = '["reports/featurize.json", "data/features/featurize.parquet", "reports/report.md"]'
    for _ in range(2):  # a step's update runs the task again: nothing is added twice
        run([sys.executable, HOOKS / "ignore_step_outputs.py", f"--outputs={outputs}"], cwd=tmp_path)
    assert (tmp_path / "reports" / ".gitignore").read_text() == "/report.md\n/featurize.json\n"
    assert (tmp_path / "data" / "features" / ".gitignore").read_text() == "/featurize.parquet\n"
    (tmp_path / "reports" / "featurize.json").write_text("{}")
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path).stdout
    assert "featurize.json" not in status and "reports/.gitignore" in status
