# Shared set-up for scripts/run and scripts/test: system packages, the virtual environment, the project.
# Sourced, not executed. Sets VENV and PY.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SSO_SANDBOX_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

# Debian packages the app needs at run time: xmlsec1 (pysaml2's fallback signer) and the X/GL/font
# libraries QtWebEngine loads even offscreen.
SYSTEM_PACKAGES=(
  xmlsec1 libxmlsec1-openssl
  libgl1 libegl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
  libnss3 libnspr4 libasound2 libxkbcommon0 libxkbcommon-x11-0 libxkbfile1
  libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxshmfence1 libxss1 libgbm1 libdrm2
  libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-randr0 libxcb-xfixes0 libxcb-shm0 libxcb-sync1
  libxcb-glx0 libxcb-dri3-0 libxcb-present0
  fonts-dejavu-core
)
# What the tests need besides: a PostgreSQL server, on which they run both systems once, and Node's
# npm, which fetches axe-core for the accessibility tests (see ensure_axe_core). An npm already on the
# PATH (NodeSource's nodejs carries its own) is used as it is: Debian's npm would conflict with it.
TEST_SYSTEM_PACKAGES=(postgresql)
command -v npm >/dev/null 2>&1 || TEST_SYSTEM_PACKAGES+=(nodejs npm)
# Installed when set-up runs as root, and never asked of anyone else: python3-venv lets the
# distribution's optimised python3 make the virtual environment (see choose_python).
ROOT_ONLY_SYSTEM_PACKAGES=(python3-venv)

missing_system_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

ensure_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0   # not Debian: the user installs the equivalents
  local missing
  missing=$(missing_system_packages "$@" | tr '\n' ' ')
  if [ "$(id -u)" = "0" ]; then
    missing+=$(missing_system_packages "${ROOT_ONLY_SYSTEM_PACKAGES[@]}" | tr '\n' ' ')
  fi
  [ -z "${missing// /}" ] && return 0
  if [ "$(id -u)" = "0" ]; then
    echo "Installing system packages: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "SSO Sandbox needs these system packages, which are missing:" >&2
    echo "  $missing" >&2
    echo "Install them with:  sudo apt-get install -y $missing" >&2
    exit 1
  fi
}

# The interpreter a new virtual environment is made with: $SSO_SANDBOX_PYTHON when set, else the
# distribution's own python3 when it is 3.11 or newer and can make a virtual environment, else python3
# on the PATH. Debian and Ubuntu build their python3 with profile-guided and link-time optimisation; a
# plain source build (pyenv's default) runs the same SSO sign-in with about 6 % more instructions and
# pure Python code with about 20 % more (measured with callgrind on this project's benchmarks).
choose_python() {
  if [ -n "${SSO_SANDBOX_PYTHON:-}" ]; then
    echo "$SSO_SANDBOX_PYTHON"
    return
  fi
  local candidate
  for candidate in /usr/bin/python3 python3; do
    if "$candidate" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      echo "$candidate"
      return
    fi
  done
  echo python3
}

ensure_venv() {
  local extras="$1"
  if [ ! -x "$PY" ]; then
    local python
    python="$(choose_python)"
    echo "Creating the virtual environment in $VENV with $python" >&2
    "$python" -m venv "$VENV"
  fi
  local stamp="$VENV/.sso-sandbox-installed$extras"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    echo "Installing SSO Sandbox$extras into $VENV" >&2
    "$PY" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    "$PY" -m pip install -q --disable-pip-version-check -e "$ROOT$extras"
    touch "$stamp"
  fi
}

# Deque's axe-core, which tests/accessibility injects into QtWebEngine, kept under .cache/ (git-ignored).
# Quick when it is there already; without npm the accessibility tests fail and say how to get it.
AXE_CORE_DIR="$ROOT/.cache/axe-core"
ensure_axe_core() {
  [ -f "$AXE_CORE_DIR/node_modules/axe-core/axe.min.js" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: the accessibility tests cannot get axe-core (install Debian's nodejs and npm)." >&2
    return 0
  fi
  echo "Installing axe-core 4 into $AXE_CORE_DIR" >&2
  mkdir -p "$AXE_CORE_DIR"
  npm install --silent --no-save --no-audit --no-fund --prefix "$AXE_CORE_DIR" axe-core@4 >/dev/null \
    || echo "npm could not install axe-core: the accessibility tests will fail." >&2
}

qt_environment() {
  # QtWebEngine refuses to start its sandbox as root; without a display, render offscreen.
  if [ "$(id -u)" = "0" ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"; fi
}
