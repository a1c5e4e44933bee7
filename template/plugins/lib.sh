# Shared by every plugin's install.sh and by install_all.sh (sourced, not run): the project's
# environment and the one installer that changes it. Never a global pip: PROJECT_PYTHON is the
# project's .venv (or .conda) interpreter unless set, and uv is used when it is on PATH.

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
# -n (dry run): print what would change the environment instead of doing it.
dry_run="${DRY_RUN:-0}"

have_env() {
    [ -n "${PROJECT_PYTHON:-}" ]
}

# Whether a lock can be compiled here: with uv, or with pip-tools in the project's environment.
can_compile() {
    command -v uv >/dev/null || have_env
}

require_env() {
    have_env || { echo "No project environment (.venv or .conda): run \`make env\` first." >&2; exit 1; }
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
    if command -v uv >/dev/null; then
        change uv pip install --quiet --python "$PROJECT_PYTHON" "$@"
    else
        change "$PROJECT_PYTHON" -m pip install --quiet "$@"
    fi
}

env_uninstall() {
    [ $# -gt 0 ] || return 0
    if command -v uv >/dev/null; then
        change uv pip uninstall --quiet --python "$PROJECT_PYTHON" "$@"
    else
        change "$PROJECT_PYTHON" -m pip uninstall --quiet --yes "$@"
    fi
}

env_check() {
    if command -v uv >/dev/null; then
        uv pip check --python "$PROJECT_PYTHON"
    else
        "$PROJECT_PYTHON" -m pip check
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
    if command -v uv >/dev/null; then
        uv pip compile --quiet ${PROJECT_PYTHON:+--python "$PROJECT_PYTHON"} --constraint "$constraints" \
            --no-header --output-file "$2" "$1"
    else
        require_env
        "$PROJECT_PYTHON" -m piptools compile --quiet --no-header --constraint "$constraints" --output-file "$2" "$1"
    fi
    rm -f "$constraints"
}

env_freeze() {
    if command -v uv >/dev/null; then
        uv pip freeze --quiet --python "$PROJECT_PYTHON"
    else
        "$PROJECT_PYTHON" -m pip freeze
    fi
}
