"""Template releases arrive as one pull request: the scheduled template-update job of generated projects.

- actionlint, the GitHub workflow schema and zizmor on `.github/workflows/template-update.yml`; the GitLab
  CI schema on `.gitlab-ci.yml`, whose template-update job runs only in scheduled pipelines;
- end to end: a template repository tagged v0.1.0, a project rendered from it on a bare `origin` with an
  edit of its own, then v0.2.0 (CHANGELOG sections, a new file, a change that conflicts with the edit).
  The workflow's steps run in order in clones of the project with tests/test_ci.py's Runner. Stand-ins on
  PATH: `gh` records each call (and the body file it was given) and keeps the pull requests it opened;
  `pipx` checks that the copier it was asked for is the one on PATH. The branch, its commit, the updated
  files and the pull request are checked; a second run with nothing new does nothing; v0.3.0 updates
  the same pull request.
- The project's environment is a stand-in too, so that no dependency is installed: a venv that sees the
  template's own packages (click, PyYAML, packaging, jsonschema, copier: all that `update-pr` imports)
  and the project's `src`, stamped as built so that `make` does not build it. `make update` with a real
  environment is tests/test_update.py's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import copier
import pytest
import yaml

from .helpers import DEFAULTS, TOOLS_BIN, render, run
from .template_repo import commit_and_tag, edit, git, template_repository
from .test_ci import Runner, load_yaml

WORKFLOW = Path(".github") / "workflows" / "template-update.yml"
BRANCH = "template-update"
# The template's own tags: v0.2.0's CHANGELOG adds two sections above the one of v0.1.0.
NOTES_V2 = "## v0.2.0 (2026-12-04)\n\n- `make` passes `etl.seed=1` by default (ARGS).\n\n" \
           "## v0.1.5 (2026-11-30)\n\n- docs/UPGRADING.md tells how to upgrade.\n\n"
NOTES_V3 = "## v0.3.0 (2026-12-11)\n\n- docs/UPGRADING.md has a second line.\n\n"
STANDIN_GH = """#!{python}
\"\"\"Stand-in for the GitHub CLI: record the call (with the body file's text), keep the pull requests.\"\"\"
import json, os, sys
args = sys.argv[1:]
options = {{args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}}
record = {{"argv": args, "token": os.environ.get("GH_TOKEN")}}
if "--body-file" in options:
    record["body"] = open(options["--body-file"]).read()
with open(os.environ["GH_STANDIN_LOG"], "a") as log:
    log.write(json.dumps(record) + "\\n")
state_path = os.environ["GH_STANDIN_STATE"]
pulls = json.load(open(state_path)) if os.path.exists(state_path) else []
if args[:2] == ["pr", "list"]:
    numbers = [p["number"] for p in pulls if p["head"] == options["--head"] and options["--state"] == "open"]
    assert options["--json"] == "number" and options["--jq"] == ".[0].number", options
    print(numbers[0] if numbers else "")
elif args[:2] == ["pr", "create"]:
    pulls.append({{"number": len(pulls) + 1, "head": options["--head"], "base": options["--base"]}})
    print(f"https://github.com/owner/project/pull/{{len(pulls)}}")
elif args[:2] == ["pr", "edit"]:
    assert any(p["number"] == int(args[2]) for p in pulls), args
else:
    sys.exit(f"the stand-in does not know gh {{args}}")
json.dump(pulls, open(state_path, "w"))
"""
STANDIN_CURL = """#!{python}
\"\"\"Stand-in for curl against the GitLab API: record the request (with the files it sends), keep the
merge requests, answer as GitLab does (a JSON list for GET, the new merge request for POST).\"\"\"
import json, os, sys
args = sys.argv[1:]
record = {{"method": "GET", "url": None, "headers": [], "data": {{}}}}
i = 0
while i < len(args):
    arg = args[i]
    if arg in ("--request", "--header", "--data", "--data-urlencode", "--output"):
        value = args[i + 1]
        i += 2
        if arg == "--request":
            record["method"] = value
        elif arg == "--header":
            record["headers"].append(value)
        elif arg == "--data":
            key, _, text = value.partition("=")
            record["data"][key] = text
        elif arg == "--data-urlencode":
            key, _, name = value.partition("@")
            record["data"][key] = open(name).read()
        continue
    if not arg.startswith("--"):
        record["url"] = arg
    i += 1
with open(os.environ["CURL_STANDIN_LOG"], "a") as log:
    log.write(json.dumps(record) + "\\n")
state_path = os.environ["CURL_STANDIN_STATE"]
requests = json.load(open(state_path)) if os.path.exists(state_path) else []
api = os.environ["CI_API_V4_URL"] + "/projects/" + os.environ["CI_PROJECT_ID"] + "/merge_requests"
if record["method"] == "GET":
    assert record["url"] == api + "?state=opened&source_branch=template-update", record
    print(json.dumps([r for r in requests if r["source_branch"] == "template-update"]))
elif record["method"] == "POST" and record["url"] == api:
    requests.append({{"iid": len(requests) + 1, **record["data"]}})
    print(json.dumps(requests[-1]))
else:
    sys.exit(f"the stand-in does not know {{record}}")
json.dump(requests, open(state_path, "w"))
"""
STANDIN_PIPX = """#!/bin/sh
# Stand-in for pipx: the copier asked for must be the one on PATH (the template's).
test "$*" = "install copier==$(copier --version | cut -d' ' -f2)" || {{ echo "pipx $* is not copier on PATH"; exit 1; }}
echo "$*" >> "{log}"
"""


# --- linters and schemas -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("update-pr-render")
    return {"github": render(root / "github", **DEFAULTS),
            "gitlab": render(root / "gitlab", **{**DEFAULTS, "ci": "gitlab", "cml": False}),
            "none": render(root / "none", **{**DEFAULTS, "ci": "none", "cml": False})}


def test_only_the_chosen_ci_gets_the_template_update_job(rendered):
    assert (rendered["github"] / WORKFLOW).is_file() and not (rendered["github"] / ".gitlab-ci.yml").exists()
    assert "template-update" in load_yaml(rendered["gitlab"] / ".gitlab-ci.yml")
    assert not (rendered["gitlab"] / WORKFLOW).exists()
    assert not (rendered["none"] / WORKFLOW).exists() and not (rendered["none"] / ".gitlab-ci.yml").exists()


def test_workflow_passes_actionlint_schema_and_zizmor_with_least_permissions(rendered):
    root = rendered["github"]
    linted = run([str(TOOLS_BIN / "actionlint"), "-no-color", str(WORKFLOW)], cwd=root, check=False)
    assert (linted.returncode, linted.stdout + linted.stderr) == (0, "")
    run([str(TOOLS_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)], cwd=root)
    audited = run([str(TOOLS_BIN / "zizmor"), "--offline", "--no-progress", "--format", "json", str(WORKFLOW)],
                  cwd=root, check=False)
    assert json.loads(audited.stdout) == []  # not a finding of any severity
    workflow = load_yaml(root / WORKFLOW)
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}  # PyYAML reads the key `on` as True
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    for step in job["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
        else:  # values reach the scripts through env:, and the only secret is the job's token
            assert "${{" not in step["run"], step
    secrets = re.findall(r"secrets\.\w+", (root / WORKFLOW).read_text())
    assert secrets == ["secrets.GITHUB_TOKEN"]


def test_the_gitlab_template_update_job_runs_in_scheduled_pipelines_only(rendered):
    path = rendered["gitlab"] / ".gitlab-ci.yml"
    run([str(TOOLS_BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)], cwd=path.parent)
    job = load_yaml(path)["template-update"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert "pip install copier==9.19.1" in job["before_script"]
    assert 'make update-pr PR_DIR="$PR_DIR"' in job["script"]


def test_copier_pins_match_the_install_hint_of_the_project(rendered):
    """The workflow, the GitLab job and `make update`'s hint install the same copier."""
    hint = re.search(r'COPIER_INSTALL = "pipx install (copier==[\d.]+)"',
                     (rendered["github"] / "template_tools" / "source.py")
                     .read_text()).group(1)
    assert f"pipx install {hint}" in (rendered["github"] / WORKFLOW).read_text()
    assert f"pip install {hint}" in (rendered["gitlab"] / ".gitlab-ci.yml").read_text()


# --- the workflow's steps, in order --------------------------------------------------------------

@pytest.fixture(scope="module")
def template_v1(tmp_path_factory) -> Path:
    return template_repository(tmp_path_factory.mktemp("update-pr") / "template")


@pytest.fixture(scope="module")
def origin(template_v1) -> Path:
    """A bare repository holding, on main, a project rendered from v0.1.0 with the user's own ARGS."""
    root = template_v1.parent
    project = root / "project"
    copier.run_copy(str(template_v1), str(project), defaults=True, unsafe=True, quiet=True)
    edit(project / "Makefile", "ARGS ?=\n", "ARGS ?= train.cv_folds=3\n")
    run(["git", "checkout", "--quiet", "-B", "main"], cwd=project)
    commit_and_tag(project, None, "Start from template v0.1.0, my default arguments")
    bare = root / "origin.git"
    run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], cwd=root)
    run(["git", "push", "--quiet", str(bare), "main"], cwd=project)
    return bare


def release(template: Path, tag: str, notes: str, change: tuple[str, str, str]) -> None:
    """A template release: its CHANGELOG sections above the previous ones, and one change of a file."""
    edit(template / "CHANGELOG.md", "## Unreleased\n", f"## Unreleased\n\n{notes}")
    path, old, new = change
    target = template / "template" / path
    if old:
        edit(target, old, new)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(new)
    commit_and_tag(template, tag, f"template release {tag}")


def clone_with_environment(bare: Path, workspace: Path) -> Path:
    """What actions/checkout does, and a stand-in for `make env` (see the module's docstring)."""
    run(["git", "clone", "--quiet", "--branch", "main", str(bare), str(workspace)], cwd=bare.parent)
    venv = workspace / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (site,) = venv.glob("lib/python*/site-packages")
    (template_site,) = Path(sys.prefix).glob("lib/python*/site-packages")
    (site / "template-tools.pth").write_text(f"{template_site}\n{workspace / 'src'}\n")
    (venv / ".installed").touch()  # the Makefile's stamp of a built environment
    return workspace


def run_workflow(bare: Path, name: str) -> Runner:
    folder = bare.parent / name
    tools = folder / "bin"
    tools.mkdir(parents=True)
    (tools / "gh").write_text(STANDIN_GH.format(python=sys.executable))
    (tools / "pipx").write_text(STANDIN_PIPX.format(log=bare.parent / "pipx.log"))
    for tool in tools.iterdir():
        tool.chmod(0o755)
    workspace = clone_with_environment(bare, folder / "workspace")
    runner = Runner(workspace, tools, bare.parent / "cml.log", "main")
    (folder / "runner-temp").mkdir()
    runner.base_env.update({"RUNNER_TEMP": str(folder / "runner-temp"), "GH_STANDIN_LOG": str(gh_log(bare)),
                            "GH_STANDIN_STATE": str(bare.parent / "gh-pulls.json")})
    runner.run_job(load_yaml(workspace / WORKFLOW), "update")
    return runner


def gh_log(bare: Path) -> Path:
    return bare.parent / "gh.log"


def gh_calls(bare: Path) -> list[dict]:
    path = gh_log(bare)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def on_branch(bare: Path, path: str) -> str:
    return git(bare, "show", f"{BRANCH}:{path}")


def body_sections(body: str) -> list[str]:
    return re.findall(r"^#+ .*$", body, re.MULTILINE)


@pytest.mark.e2e
def test_workflow_opens_one_pull_request_per_release_and_does_nothing_without_one(template_v1, origin):
    main_head = git(origin, "rev-parse", "main")
    release(template_v1, "v0.1.5-rc1", "", ("docs/UPGRADING.md", "", "# Upgrading\n"))  # a pre-release: ignored
    release(template_v1, "v0.2.0", NOTES_V2, ("Makefile.jinja", "ARGS ?=\n", "ARGS ?= etl.seed=1\n"))

    runner = run_workflow(origin, "first-run")

    assert runner.executed[-1] == "Open or update the pull request"
    assert git(origin, "log", "-1", "--format=%s%n%P", BRANCH).splitlines() == ["Update to template v0.2.0",
                                                                                main_head]
    assert git(origin, "rev-parse", "main") == main_head  # the default branch is left alone
    assert yaml.safe_load(on_branch(origin, ".copier-answers.yml"))["_commit"] == "v0.2.0"
    assert on_branch(origin, "docs/UPGRADING.md") == "# Upgrading"  # git show drops the last newline
    makefile = on_branch(origin, "Makefile")  # the conflict is committed with its markers
    assert re.search(r"^<<<<<<< .*\nARGS \?= train.cv_folds=3\n=======\nARGS \?= etl.seed=1\n>>>>>>> ",
                     makefile, re.MULTILINE), makefile[:2000]
    listed, created = gh_calls(origin)
    assert listed["argv"] == ["pr", "list", "--head", BRANCH, "--state", "open", "--json", "number",
                              "--jq", ".[0].number"]
    assert created["argv"][:8] == ["pr", "create", "--base", "main", "--head", BRANCH, "--title",
                                   "Update to template v0.2.0"]
    assert {listed["token"], created["token"]} == {"secret-GITHUB_TOKEN"}
    body = created["body"]
    assert "from template v0.1.0 to v0.2.0" in body
    assert "The update left 1 file(s) to resolve" in body and "\n- `Makefile`\n" in body
    assert "conflict markers" in body and "committed on this branch" in body
    # the CHANGELOG's sections after v0.1.0 up to v0.2.0, headings one level down, newest first
    sections = body_sections(body)
    assert sections[:4] == ["## Conflicts", "## Upgrade notes from the template's CHANGELOG",
                            "### v0.2.0 (2026-12-04)", "### v0.1.5 (2026-11-30)"]
    assert "#### Upgrade notes" in sections  # under v0.1.5, as released (Unreleased in CHANGELOG.md)
    assert not any("v0.1.0" in s or "Unreleased" in s or "In generated projects" in s for s in sections)
    assert body.index("`etl.seed=1` by default") < body.index("docs/UPGRADING.md tells how to upgrade")
    assert "First version of the template." not in body
    assert (origin.parent / "pipx.log").read_text() == f"install copier=={copier.__version__}\n"

    # Nothing new: the branch already proposes v0.2.0 (the pull request is open, not merged yet).
    branch_head = git(origin, "rev-parse", BRANCH)
    second = run_workflow(origin, "second-run")
    assert len(gh_calls(origin)) == 2 and git(origin, "rev-parse", BRANCH) == branch_head
    assert git(second.workspace, "rev-parse", "HEAD") == main_head  # no commit, no update in the work tree
    assert git(second.workspace, "status", "--porcelain") == ""
    assert not (origin.parent / "second-run" / "runner-temp" / "template-update").exists()

    # A newer release updates the same pull request: the branch is the default branch plus the update.
    release(template_v1, "v0.3.0", NOTES_V3, ("docs/UPGRADING.md", "# Upgrading\n", "# Upgrading\n\nTwo.\n"))
    run_workflow(origin, "third-run")
    assert git(origin, "log", "-1", "--format=%s%n%P", BRANCH).splitlines() == ["Update to template v0.3.0",
                                                                                main_head]
    assert on_branch(origin, "docs/UPGRADING.md") == "# Upgrading\n\nTwo."
    listed, edited = gh_calls(origin)[2:]
    assert listed["argv"][:2] == ["pr", "list"]
    assert edited["argv"] == ["pr", "edit", "1", "--title", "Update to template v0.3.0", "--body-file",
                              str(origin.parent / "third-run" / "runner-temp" / "template-update" / "body.md")]
    sections = body_sections(edited["body"])
    assert [s for s in sections if s.startswith("### v")] == ["### v0.3.0 (2026-12-11)", "### v0.2.0 (2026-12-04)",
                                                              "### v0.1.5 (2026-11-30)"]
    assert json.loads((origin.parent / "gh-pulls.json").read_text()) == [
        {"number": 1, "head": BRANCH, "base": "main"}]


@pytest.mark.parametrize("source, reason", [
    ("/nowhere/template", "the template source is a local path (/nowhere/template) that this machine does not have"),
    ("https://127.0.0.1:9/template.git", "the template cannot be reached from here"),
])
def test_an_unreachable_template_is_a_notice_not_a_failure(origin, tmp_path, source, reason):
    workspace = clone_with_environment(origin, tmp_path / "workspace")
    answers = workspace / ".copier-answers.yml"
    answers.write_text(re.sub(r"^_src_path: .*$", f"_src_path: {source}", answers.read_text(), flags=re.MULTILINE))
    commit_and_tag(workspace, None, "A template source that CI cannot reach")
    result = run(["make", "update-pr", f"PR_DIR={tmp_path / 'pr'}"], cwd=workspace, env={"GITHUB_ACTIONS": "true"})
    assert f"::notice title=Template update::No update check: {reason}" in result.stdout
    assert not (tmp_path / "pr").exists()
    assert run(["git", "status", "--porcelain"], cwd=workspace).stdout == ""


GITLAB_ENV = {"CI_SERVER_PROTOCOL": "https", "CI_SERVER_HOST": "gitlab.example.com", "CI_SERVER_PORT": "443",
              "CI_PROJECT_PATH": "team/penguin-classifier", "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
              "CI_PROJECT_ID": "42", "CI_COMMIT_BRANCH": "main", "CI_PIPELINE_SOURCE": "schedule"}


@pytest.mark.e2e
def test_gitlab_job_opens_a_merge_request_with_a_project_access_token(template_v1, origin, rendered, tmp_path):
    """The template-update job's script in one shell, as GitLab runs it (its before_script installs uv
    and copier, which are on PATH here), in a clone of a project of its own bare origin."""
    job = load_yaml(rendered["gitlab"] / ".gitlab-ci.yml")["template-update"]
    script = "\n".join(job["script"])
    bare = tmp_path / "origin.git"
    run(["git", "clone", "--quiet", "--bare", "--single-branch", "--branch", "main", str(origin), str(bare)],
        cwd=tmp_path)
    workspace = clone_with_environment(bare, tmp_path / "workspace")
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "curl").write_text(STANDIN_CURL.format(python=sys.executable))
    (tools / "curl").chmod(0o755)
    env = {**GITLAB_ENV, **job["variables"], "PR_DIR": str(tmp_path / "pr"),
           "CURL_STANDIN_LOG": str(tmp_path / "curl.log"), "CURL_STANDIN_STATE": str(tmp_path / "merge-requests.json"),
           "PATH": f"{tools}:{TOOLS_BIN}:/usr/bin:/bin"}
    without_token = run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=workspace, env=env)
    assert "No template update: add the masked CI/CD variable TEMPLATE_UPDATE_TOKEN" in without_token.stdout
    assert not (tmp_path / "curl.log").exists() and not (tmp_path / "pr").exists()

    release(template_v1, "v1.0.0", "## v1.0.0 (2026-12-18)\n\n- A major release.\n\n",
            ("docs/MAJOR.md", "", "# Major\n"))
    push_url = "https://oauth2:project-token@gitlab.example.com:443/team/penguin-classifier.git"
    run(["git", "config", f"url.{bare}.insteadOf", push_url], cwd=workspace)  # the job's push URL, exactly
    run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=workspace,
        env={**env, "TEMPLATE_UPDATE_TOKEN": "project-token"})

    assert git(bare, "log", "-1", "--format=%s", BRANCH) == "Update to template v1.0.0"
    assert on_branch(bare, "docs/MAJOR.md") == "# Major"
    listed, created = [json.loads(line) for line in (tmp_path / "curl.log").read_text().splitlines()]
    assert listed["headers"] == created["headers"] == ["PRIVATE-TOKEN: project-token"]
    assert created["method"] == "POST"
    assert {key: created["data"][key] for key in ["source_branch", "target_branch", "title"]} == {
        "source_branch": BRANCH, "target_branch": "main", "title": "Update to template v1.0.0"}
    description = created["data"]["description"]
    assert "to v1.0.0" in description and "### v1.0.0 (2026-12-18)\n\n- A major release." in description
    assert "## Conflicts" in description and "## Upgrade notes from the template's CHANGELOG" in description
