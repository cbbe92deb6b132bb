# Shared by the ops/ scripts: install what is missing (Debian), quietly and idempotently.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ensure_system_packages() {
  local need=()
  command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
  if command -v pkg-config >/dev/null 2>&1; then
    pkg-config --exists rdkafka 2>/dev/null || need+=(librdkafka-dev)
    pkg-config --exists rocksdb 2>/dev/null || need+=(librocksdb-dev)
  else
    need+=(librdkafka-dev librocksdb-dev)
  fi
  if ((${#need[@]})); then
    if [ "$(id -u)" = 0 ]; then
      echo "ops: installing ${need[*]}" >&2
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
      echo "ops: missing ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2
      exit 1
    fi
  fi
  if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; else
      echo "ops: a Swift 6 toolchain is needed (swift not found on PATH)" >&2; exit 1; fi
  fi
}
