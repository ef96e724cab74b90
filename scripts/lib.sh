# Shared by scripts/run, scripts/test and scripts/bench: install what is missing, build the jar when stale.

# apt_install PACKAGE... — installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing ${missing[*]} with apt-get" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_build_tools() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jdk-headless
  command -v mvn >/dev/null 2>&1 || apt_install maven
}

JAR=target/bff-gateway.jar

# Builds the fat jar when it is missing or older than the pom, any source or resource, or the demo page (web/)
# and the JS client, which the build packs into the jar.
ensure_jar() {
  ensure_build_tools
  if [ ! -f "$JAR" ] || [ -n "$(find pom.xml src web clients/js/bff-client.js -newer "$JAR" -print -quit 2>/dev/null)" ]; then
    echo "Building $JAR" >&2
    mvn -B -q -DskipTests package
  fi
}

# wait_for_http URL SECONDS — polls until URL answers, or fails after SECONDS.
wait_for_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && { echo "No answer from $url after $2 s" >&2; return 1; }
    sleep 0.2
  done
}
