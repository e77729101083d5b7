# Shared helpers of scripts/test, scripts/demo and scripts/fresh-check. Sourced, not run.

# Run as root, or through sudo when it exists.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "error: '$*' needs root and sudo is not installed" >&2; return 1; fi
}

# Install the Debian packages given that are not installed yet (apt-get update only if needed).
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What the build needs: a C toolchain for linking and -sys crates, pcsc-lite's headers, and the
# system's CA certificates (cargo fetches crates over HTTPS; cccd's HTTP client, reqwest with the
# rustls platform verifier, fails to start without them: "HTTP client: builder error").
BUILD_PACKAGES=(gcc libc6-dev pkgconf libpcsclite-dev ca-certificates)
# What the tests and the demo on a virtual card need: pcscd with the vsmartcard vpcd driver, and
# procps for the pgrep/pkill below (minimal Debian, e.g. debootstrap minbase or Docker, lacks it).
RUNTIME_PACKAGES=(pcscd vsmartcard-vpcd procps)
# What the browser tests (tests/browser.rs, tests/examples.rs) need: headless Chromium driven
# over WebDriver, and iproute2's `ip` for the private address of tests/examples.rs's own network
# namespace (unshare, from util-linux, is in every Debian).
BROWSER_PACKAGES=(chromium chromium-driver iproute2)
# What the C# example's test (tests/examples.rs) needs: Debian's Mono C# compiler and runtime
# with the framework's HttpClient and DataContractJsonSerializer (no NuGet).
CSHARP_PACKAGES=(mono-mcs libmono-system-net-http4.0-cil libmono-system-runtime-serialization4.0-cil)

# What the tests' Python parts need: python3 runs examples/webhook_receiver.py (tests/push.rs),
# and the Prometheus parser of PyPI's `prometheus-client` (not Debian's `prometheus`, a server)
# reads the metrics page (crates/metrics/tests/prometheus_parser.rs).
PYTHON_PACKAGES=(python3 python3-venv)

# Makes CCCD_TEST_PYTHON an interpreter that imports prometheus_client: python3 when it does,
# else a virtual environment in the target dir with the package from PyPI (Debian's python3
# refuses pip installs into the system).
ensure_prometheus_client() {
  if python3 -c 'import prometheus_client' 2>/dev/null; then
    export CCCD_TEST_PYTHON=python3
    return 0
  fi
  local venv="${CARGO_TARGET_DIR:-target}/python-venv"
  if ! "$venv/bin/python3" -c 'import prometheus_client' 2>/dev/null; then
    echo "==> installing prometheus-client (PyPI) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q prometheus-client
  fi
  CCCD_TEST_PYTHON="$(cd "$venv/bin" && pwd)/python3"
  export CCCD_TEST_PYTHON
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  fi
  command -v cargo >/dev/null 2>&1 || { echo "error: cargo not found: install Rust (https://rustup.rs) first" >&2; return 1; }
}

# Toolchain components (rustfmt, clippy) that a minimal rustup profile leaves out.
ensure_rust_components() {
  local c missing=()
  for c in "$@"; do
    case $c in
      rustfmt) cargo fmt --version >/dev/null 2>&1 || missing+=("$c") ;;
      *) cargo "$c" --version >/dev/null 2>&1 || missing+=("$c") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v rustup >/dev/null 2>&1 \
    || { echo "error: cargo ${missing[*]} missing and no rustup to add them" >&2; return 1; }
  echo "==> rustup component add ${missing[*]}"
  rustup component add "${missing[@]}"
}

vpcd_listening() {
  # pcscd's vpcd driver listens on 35963 (slot 0) once loaded.
  (exec 3<>/dev/tcp/127.0.0.1/35963) 2>/dev/null
}

STARTED_PCSCD=""
# Make sure pcscd runs with the vpcd driver loaded. A pcscd started before vsmartcard-vpcd was
# installed has not loaded the driver and is restarted. Sets STARTED_PCSCD when we started it.
ensure_pcscd() {
  if pgrep -x pcscd >/dev/null 2>&1 && vpcd_listening; then return 0; fi
  if pgrep -x pcscd >/dev/null 2>&1; then
    echo "==> restarting pcscd so that it loads the vpcd driver"
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet pcscd 2>/dev/null; then
      as_root systemctl restart pcscd
    else
      as_root pkill -x pcscd || true
      for _ in $(seq 50); do pgrep -x pcscd >/dev/null || break; sleep 0.1; done
    fi
  fi
  if ! vpcd_listening; then
    echo "==> starting pcscd"
    as_root pcscd --foreground >/dev/null 2>&1 &
    STARTED_PCSCD=1
  fi
  for _ in $(seq 100); do vpcd_listening && return 0; sleep 0.1; done
  echo "error: pcscd did not load the vpcd driver (is vsmartcard-vpcd installed?)" >&2
  return 1
}

stop_pcscd_if_started() {
  if [ -n "$STARTED_PCSCD" ]; then
    as_root pkill -x pcscd 2>/dev/null || true
    STARTED_PCSCD=""
  fi
}
