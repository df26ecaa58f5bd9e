# shellcheck shell=bash
# Shared by the scripts in scripts/: the checkout, host packages, the JDK, building qvmm.
set -euo pipefail

QVMM_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export QVMM_HOME
# shellcheck source=java.sh
. "$QVMM_HOME/scripts/lib/java.sh"

# What a script may run without installing it: the Essential and Priority: required packages,
# that is what `mmdebstrap --variant=minbase` makes (bash, coreutils, sed, grep, mawk, findutils,
# gzip, tar, util-linux, dpkg, apt). Every other command comes from a package named here or in
# a qvmm_require_packages call next to its use; scripts/fresh-host-check proves it for the demo.
# Debian packages qvmm needs on the host (xorriso builds ISOs, skopeo pulls containerDisks, xz
# decompresses .xz DataVolume sources: xz-utils is not in minbase; iproute2's ip adds the bridge
# binding's taps) ...
QVMM_PACKAGES=(qemu-system-x86 qemu-utils maven python3 xorriso skopeo xz-utils iproute2)
# ... and what only the tests add: a real OCI registry on loopback, genisoimage, the other ISO
# tool qvmm can use (its isoinfo also checks the ISOs), and mmdebstrap, which builds the real
# cloud-init guest (scripts/build-test-guest --cloud-init), and openssl for a test's CA. Not for users: on a systemd host the
# docker-registry package starts a registry service on port 5000. procps: the end-to-end and
# virtiofsd tests signal processes with /bin/kill, which is procps' (not in minbase).
QVMM_TEST_PACKAGES=(docker-registry genisoimage mmdebstrap openssl procps)

qvmm_missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$p"
  done
}

# OVMF, for firmware.bootloader.efi: qvmm finds it through the descriptors it installs under
# /usr/share/qemu/firmware.
QVMM_PACKAGES+=(ovmf)

# Installs missing Debian packages when root; otherwise prints the exact command and fails.
qvmm_require_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "qvmm: not a Debian/Ubuntu host; install the equivalents of: $*" >&2
    return 0
  fi
  local -a missing
  mapfile -t missing < <(qvmm_missing_packages "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "qvmm: missing host packages. Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    return 1
  fi
  echo "qvmm: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# After qvmm_require_packages: fails naming every command still missing and the package that has
# it, so a package left out of a list is a clear message, not a silent exit 127 from a command
# whose stderr a script throws away (xorriso's banner, for one).
qvmm_require_commands() { # COMMAND:PACKAGE ...
  local spec
  local -a missing=()
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null 2>&1 || missing+=("$spec")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  for spec in "${missing[@]}"; do
    echo "qvmm: ${spec%%:*} not found on PATH; it is in the Debian package ${spec#*:}" >&2
  done
  echo "qvmm: install it: apt-get install -y --no-install-recommends ${missing[*]#*:}" >&2
  return 1
}

# A JDK >= 21: found, or installed with apt when root and the distribution has one.
qvmm_require_java() {
  qvmm_find_java 2>/dev/null && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-cache >/dev/null 2>&1 \
     && apt-cache policy openjdk-21-jdk-headless 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-21-jdk-headless >/dev/null
  fi
  qvmm_find_java
}

qvmm_mvn() {
  (cd "$QVMM_HOME" && mvn -B -q "$@")
}

# Builds the CLI when its jar is missing or older than any source or pom.
qvmm_ensure_built() {
  local jar="$QVMM_HOME/vmm/target/qvmm-vmm.jar"
  if [ -f "$jar" ] && [ "${QVMM_SKIP_BUILD:-}" = 1 ]; then return 0; fi
  if [ -f "$jar" ] && [ -z "$(find "$QVMM_HOME/pom.xml" "$QVMM_HOME"/{qmp,blockdev,virtiofsd-manager,vmm}/pom.xml \
        "$QVMM_HOME"/{qmp,blockdev,virtiofsd-manager,vmm}/src/main -newer "$jar" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  # package, not install: the jar and its lib/ come from this checkout's own target/ directories,
  # and ~/.m2, which other checkouts share, stays as it was.
  command -v mvn >/dev/null 2>&1 || qvmm_require_packages maven
  echo "qvmm: building (mvn package -pl vmm -am)..." >&2
  qvmm_mvn package -pl vmm -am -DskipTests
}
