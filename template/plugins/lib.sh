# Shared by every plugin's install.sh and by install_all.sh (sourced, not run): the project's
# environment and the one installer that changes it. Never a global pip: PROJECT_PYTHON is the
# project's .venv (or .conda) interpreter unless set. The installer is uv: the one on PATH, else the
# project's own that `make env` put in .tools/uv/; without either (a pip or conda project on a
# machine without uv), the environment's own pip.

plugins_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project_root="$(dirname "$plugins_dir")"
if [ -z "${PROJECT_PYTHON:-}" ]; then
    for candidate in "$project_root/.venv/bin/python" "$project_root/.conda/bin/python"; do
        if [ -x "$candidate" ]; then
            PROJECT_PYTHON="$candidate"
            break
        fi
    done
fi
if command -v uv >/dev/null; then
    UV=uv
elif [ -x "$project_root/.tools/uv/bin/uv" ]; then
    UV="$project_root/.tools/uv/bin/uv"
else
    UV=""
fi
# -n (dry run): print what would change the environment instead of doing it.
dry_run="${DRY_RUN:-0}"

have_env() {
    [ -n "${PROJECT_PYTHON:-}" ]
}

have_uv() {
    [ -n "$UV" ]
}

# Whether a lock can be compiled here: with uv, or with the pip of the project's environment.
can_compile() {
    have_uv || have_env
}

require_env() {
    have_env || { echo "No project environment (.venv or .conda): run \`make env\` first." >&2; exit 1; }
}

# The environment's pip, when uv is nowhere: a uv-made .venv has none, and `make env` reinstalls uv.
env_pip() {
    "$PROJECT_PYTHON" -m pip --version >/dev/null 2>&1 || {
        echo "No uv (on PATH or in .tools/uv/) and no pip in $PROJECT_PYTHON: run \`make env\` first." >&2
        exit 1
    }
    "$PROJECT_PYTHON" -m pip --disable-pip-version-check "$@"
}

# Run a command that changes the environment, or only show it in dry-run mode.
change() {
    if [ "$dry_run" = 1 ]; then
        echo "[dry run] $*"
    else
        "$@"
    fi
}

env_install() {
    if have_uv; then
        change "$UV" pip install --quiet --python "$PROJECT_PYTHON" "$@"
    else
        change env_pip install --quiet "$@"
    fi
}

env_uninstall() {
    [ $# -gt 0 ] || return 0
    if have_uv; then
        change "$UV" pip uninstall --quiet --python "$PROJECT_PYTHON" "$@"
    else
        change env_pip uninstall --quiet --yes "$@"
    fi
}

env_check() {
    if have_uv; then
        "$UV" pip check --python "$PROJECT_PYTHON"
    else
        env_pip check
    fi
}

env_freeze() {
    if have_uv; then
        "$UV" pip freeze --quiet --python "$PROJECT_PYTHON"
    else
        env_pip freeze
    fi
}

# lock_compile IN OUT: resolve IN into the fully pinned OUT. With the project's environment,
# its installed versions are constraints, so installing OUT never moves a package the project uses.
lock_compile() {
    # A relative name beside the lock, so the lock's "via" comments do not name a random temporary file.
    local constraints=".project-environment.txt"
    : > "$constraints"
    if have_env; then
        env_freeze | grep -v -e ' @ ' -e '^-e ' > "$constraints" || true
    else
        echo "-- no project environment yet: $2 is resolved without its constraints" >&2
    fi
    if have_uv; then
        "$UV" pip compile --quiet ${PROJECT_PYTHON:+--python "$PROJECT_PYTHON"} --constraint "$constraints" \
            --no-header --output-file "$2" "$1"
    else
        require_env
        pip_lock_compile "$1" "$2" "$constraints"
    fi
    rm -f "$constraints"
}

# pip_lock_compile IN OUT CONSTRAINTS: the lock from pip's own resolver (a dry run that reports every
# package it would install, installed ones included), so no lock tool has to be installed.
pip_lock_compile() {
    local report=".pip-report.json"
    echo "# Locked by pip from $1 (uv not found); ./install.sh compiles it again." > "$2"
    if grep -q -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$1"; then
        env_pip install --quiet --dry-run --ignore-installed --report "$report" --constraint "$3" -r "$1"
        "$PROJECT_PYTHON" -c 'import json, sys
packages = [item["metadata"] for item in json.load(open(sys.argv[1]))["install"]]
for package in sorted(packages, key=lambda package: package["name"].lower()):
    print(package["name"] + "==" + package["version"])' "$report" >> "$2"
        rm -f "$report"
    fi
}
