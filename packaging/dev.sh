#!/usr/bin/env bash
# Leling developer commands.
#
#   packaging/dev.sh demo [leling args...]   set up, then start Leling in a window
#   packaging/dev.sh test [pytest args...]   set up, then lint, type-check and test
#   packaging/dev.sh setup                   system packages and .venv only
#
# Setup is safe to repeat: it installs only what is missing and reinstalls the Python
# package only when pyproject.toml has changed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=$ROOT/.venv
STAMP=$VENV/.leling-stamp

# Debian 12 names. Qt's offscreen platform needs the runtime libraries too; the xcb set
# is what a real window (or one under Xvfb) needs beyond them.
APT_PACKAGES=(
    python3 python3-venv python3-pip
    libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6
    libxkbcommon0 fonts-dejavu-core
    xvfb xauth libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1
    libxkbcommon-x11-0
    fonts-noto-cjk fonts-wqy-microhei
    # Noto Sans Arabic UI: Uyghur letters, clearer and more open than DejaVu Sans draws
    # them (5 MB; fonts-noto-core has the same letters with taller lines, and 42 MB).
    fonts-noto-ui-core
    espeak-ng alsa-utils libpulse0
    libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2
    zbar-tools
    # The relative's web app is tested in a real headless browser (tests/test_webapp.py).
    chromium chromium-driver
    # Real peers for the family plugins' tests: an MQTT broker that SOS alerts reach, and
    # two SIP softphones on 127.0.0.1 for the video call's SIP provider.
    mosquitto baresip-core
    # A sound server with a null sink, so the music test hears what QtMultimedia plays.
    pulseaudio pulseaudio-utils
)

missing_apt_packages() {
    local pkg status
    for pkg in "${APT_PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        # A removed package keeps a record ("deinstall ok config-files"), so match exactly.
        if [[ $status != "install ok installed" ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}

setup_apt() {
    if ! command -v dpkg-query >/dev/null; then
        echo "No dpkg-query here: skipping the system packages (they are Debian names)." >&2
        return
    fi
    local missing
    mapfile -t missing < <(missing_apt_packages)
    if ((${#missing[@]} == 0)); then
        return
    fi
    if [[ $(id -u) -ne 0 ]]; then
        echo "Leling needs these system packages. Run as root:"
        echo "sudo apt-get install -y --no-install-recommends ${missing[*]}"
        exit 1
    fi
    echo "Installing system packages: ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

find_python() {
    local name
    for name in python3.11 python3; do
        if command -v "$name" >/dev/null; then
            command -v "$name"
            return
        fi
    done
    echo "No python3.11 or python3 on PATH." >&2
    exit 1
}

setup_venv() {
    # A venv whose interpreter has moved or been removed cannot run; build it again.
    if ! "$VENV/bin/python" -c '' 2>/dev/null; then
        rm -rf "$VENV"
        "$(find_python)" -m venv "$VENV"
    fi
    if ! "$VENV/bin/python" -c \
        'import pip, sys; sys.exit(int(pip.__version__.split(".")[0]) < 23)' 2>/dev/null; then
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
    local digest
    digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [[ ! -x $VENV/bin/leling || $(cat "$STAMP" 2>/dev/null || true) != "$digest" ]]; then
        "$VENV/bin/python" -m pip install -q -e '.[test]'
        printf '%s\n' "$digest" >"$STAMP"
    fi
}

# The booking tests run a real FHIR engine (Medplum's router, tests/fhir/server.cjs) on
# Node. Its modules (about 116 MB) are installed once into .cache/fhir and reused while
# tests/fhir/package-lock.json is unchanged. Debian 12's own nodejs is 18, too old for
# Medplum 5 (it needs 20, with --experimental-websocket, or 22); with no usable Node here
# the booking tests say so and skip.
FHIR_CACHE=$ROOT/.cache/fhir

node_major() {
    local version
    version=$(node --version 2>/dev/null || true)
    version=${version#v}
    printf '%s\n' "${version%%.*}"
}

setup_fhir() {
    if ! command -v npm >/dev/null || [[ $(node_major) -lt 20 ]]; then
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null && ! command -v npm >/dev/null; then
            echo "Installing Node.js for the booking tests' FHIR engine"
            apt-get update
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
        fi
        if ! command -v npm >/dev/null || [[ $(node_major) -lt 20 ]]; then
            echo "No Node.js 20+ with npm here: the FHIR booking tests will be skipped." >&2
            return
        fi
    fi
    local lock=$ROOT/tests/fhir/package-lock.json
    if [[ -d $FHIR_CACHE/node_modules/@medplum/fhir-router ]] &&
        cmp -s "$lock" "$FHIR_CACHE/package-lock.json"; then
        return
    fi
    mkdir -p "$FHIR_CACHE"
    cp "$ROOT/tests/fhir/package.json" "$lock" "$FHIR_CACHE/"
    (cd "$FHIR_CACHE" && npm ci --no-audit --no-fund --loglevel=error)
}

setup() {
    setup_apt
    setup_venv
}

# The screenshot should show the same home the shell opens: an explicit --home in the
# arguments wins, then LELING_HOME, then Leling's own per-user default.
home_args() {
    local prev=""
    local arg
    for arg in "$@"; do
        if [[ $prev == --home ]]; then
            printf '%s\0' --home "$arg"
            return
        fi
        if [[ $arg == --home=* ]]; then
            printf '%s\0' --home "${arg#--home=}"
            return
        fi
        prev=$arg
    done
    if [[ -n ${LELING_HOME:-} ]]; then
        printf '%s\0' --home "$LELING_HOME"
    fi
}

demo() {
    setup
    if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
        exec "$VENV/bin/leling" --windowed "$@"
    fi
    local png=$ROOT/leling-home.png
    local home
    mapfile -d '' -t home < <(home_args "$@")
    "$VENV/bin/leling" "${home[@]}" screenshot "$png" >/dev/null
    echo "There is no screen here (DISPLAY and WAYLAND_DISPLAY are empty), so Leling runs" \
        "on an invisible virtual screen until you press Ctrl+C; a picture of its home" \
        "screen is saved at $png."
    exec xvfb-run -a -s "-screen 0 1280x800x24" "$VENV/bin/leling" --windowed "$@"
}

run_tests() {
    setup
    setup_fhir
    local failed=()
    # Run every check even after one fails, so one run shows everything to fix.
    "$VENV/bin/ruff" check launcher plugins tests bench || failed+=("ruff check")
    "$VENV/bin/ruff" format --check launcher plugins tests bench || failed+=("ruff format")
    "$VENV/bin/mypy" || failed+=(mypy)
    QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest -q "$@" || failed+=(pytest)
    if ((${#failed[@]})); then
        printf 'Failed: %s\n' "${failed[*]}" >&2
        exit 1
    fi
}

usage() {
    echo "usage: packaging/dev.sh {demo [leling args...] | test [pytest args...] | setup}" >&2
    exit 2
}

(($#)) || usage
command=$1
shift
case $command in
    demo) demo "$@" ;;
    test) run_tests "$@" ;;
    setup) setup ;;
    *) usage ;;
esac
