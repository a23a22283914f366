#!/usr/bin/env bash
# Whole-system benchmark (issue 2): wall time of `canister ps` against a running daemon, side by side
# with a bare JVM hello-world, interleaved in one run so machine noise hits both alike.
# Target: canister ps <= 150 ms; reported as medians, p90 and the ratio to hello-world.
# Usage (root): bench/cli/ps-latency.sh [rounds]   (starts its own daemon on a temporary mount)
set -euo pipefail
rounds=${1:-30}
home=$(cd "$(dirname "$0")/../.." && pwd)
java_home=${CANISTER_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[ "$(id -u)" = 0 ] || { echo "ps-latency: run as root (it starts the daemon)"; exit 1; }
[ -f "$home/canister-daemon/target/canister.jar" ] || "$home/canister" build
work=$(mktemp -d /tmp/canister-bench.XXXXXX)
mnt=$work/fs
cat > "$work/Hello.java" <<'J'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
J
"$java_home/bin/javac" -d "$work" "$work/Hello.java"
"$home/canister" run --mount "$mnt" --state-dir "$work/state" --log-dir "$work/log" > "$work/daemon.log" 2>&1 &
daemon=$!
cleanup() { kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do [ -f "$mnt/status" ] && break; sleep 0.1; done
[ -f "$mnt/status" ] || { echo "daemon did not come up:"; cat "$work/daemon.log"; exit 1; }
ms() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
: > "$work/ps.txt"; : > "$work/hello.txt"
for _ in $(seq "$rounds"); do
  ms "$java_home/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$work" Hello >> "$work/hello.txt"
  ms "$home/canister" ps --mount "$mnt" >> "$work/ps.txt"
done
stat() { sort -n "$1" | awk '{a[NR]=$1} END {printf "%d %d\n", a[int((NR+1)/2)], a[int(NR*0.9+0.5)]}'; }
read -r hp50 hp90 < <(stat "$work/hello.txt")
read -r pp50 pp90 < <(stat "$work/ps.txt")
echo "rounds=$rounds processes_listed=$(($(wc -l < "$mnt/ps") - 1))"
echo "hello-world JVM: p50=${hp50} ms p90=${hp90} ms"
echo "canister ps:     p50=${pp50} ms p90=${pp90} ms (target <= 150 ms)"
awk -v p="$pp50" -v h="$hp50" 'BEGIN {printf "ratio ps/hello (p50): %.2f\n", p / (h > 0 ? h : 1)}'
