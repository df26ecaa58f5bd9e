# shellcheck shell=bash
# Finds a JDK >= 21 and exports JAVA_HOME and JAVA. Sourced by scripts/* and by the installed
# distribution's bin/qvmm. Order: $JAVA_HOME, the newest JDK under /usr/lib/jvm, java on PATH.

qvmm_java_feature() { # JAVA -> its feature release number (17, 21, 25, ...), or 0
  # The JDK's release file says it without starting a JVM (~0.1 s each); ask java only without one.
  local release v
  release="$(dirname "$(readlink -f "$1")")/../release"
  if [ -r "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
  else
    v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1 | cut -d. -f1)
  fi
  echo "${v:-0}"
}

# JVM options for qvmm's commands: a class-data-sharing archive made on first use (start-up is
# dominated by loading Jackson, Netty and Picocli classes) kept per qvmm version. Every command
# but the daemon is start-up bound and otherwise mostly waits: it runs with the client compiler
# only and the serial collector, which keeps C2 compiler and GC threads off the second core while
# a VM starts (benchmarks/results/startup.md has the figures). The daemon keeps the JVM defaults
# but for a bounded heap: without one, API clients posting large specs grew it to 1.2 GiB
# resident, for good (spec parsing allocates about 50 times the spec's size and the default
# collector grows the heap to keep up); with 256 MiB the same abuse ends at about 280 MiB.
qvmm_jvm_options() { # JAR [SUBCOMMAND]
  local tuning="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData"
  local kind=-c1
  [ "${2:-}" = daemon ] && tuning="-Xmx256m" && kind=""
  local cache=${XDG_CACHE_HOME:-$HOME/.cache}/qvmm
  mkdir -p "$cache" 2>/dev/null || { echo "$tuning"; return; }
  local stamp archive
  stamp=$(stat -c %Y-%s "$1" 2>/dev/null || echo 0)
  archive="$cache/qvmm-$stamp$kind.jsa"
  # Every build gets a new archive (15-20 MB); when this one is new, all but the newest few go.
  [ -f "$archive" ] || qvmm_prune_archives "$cache" 6
  echo "$tuning -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$archive -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
}

# Removes qvmm's class-data archives in $1 but the newest $2 (other checkouts may share the cache).
qvmm_prune_archives() { # DIR KEEP
  # shellcheck disable=SC2012 # newest first; qvmm's own names, one a line
  ls -1t "$1"/qvmm-*.jsa 2>/dev/null | tail -n +"$(($2 + 1))" | while IFS= read -r old; do rm -f "$old"; done
}

qvmm_find_java() {
  local candidate best="" best_v=0 v
  local -a candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for candidate in /usr/lib/jvm/*/bin/java; do [ -x "$candidate" ] && candidates+=("$candidate"); done
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate" ] || continue
    v=$(qvmm_java_feature "$candidate")
    if [ "${v:-0}" -ge 21 ] 2>/dev/null; then
      # $JAVA_HOME wins when it is new enough; otherwise the newest one found.
      if [ -n "${JAVA_HOME:-}" ] && [ "$candidate" = "$JAVA_HOME/bin/java" ]; then best=$candidate; break; fi
      if [ "$v" -gt "$best_v" ]; then best=$candidate; best_v=$v; fi
    fi
  done
  if [ -z "$best" ]; then
    cat >&2 <<'MSG'
qvmm needs a Java Development Kit 21 or newer, and none was found
(looked at $JAVA_HOME, /usr/lib/jvm/*, and java on PATH).
Install one, then run this again:
  Debian 13 / Ubuntu 24.04:  apt-get install -y openjdk-21-jdk-headless
  Debian 12:                 install Temurin 21 (https://adoptium.net/installation/linux/)
                             or any JDK >= 21 under /usr/lib/jvm, or set JAVA_HOME to it
MSG
    return 1
  fi
  JAVA=$best
  JAVA_HOME=$(cd "$(dirname "$best")/.." && pwd)
  export JAVA JAVA_HOME
}
