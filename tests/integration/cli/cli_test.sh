#!/usr/bin/env bash
# The CLI against the test cluster: describe and groups print what kafka-consumer-groups prints,
# plus the partitions without a commit; exit codes tell usage errors, unknown groups and an
# unreachable Kafka apart. Usage: cli_test.sh KPROGRESS_BINARY BOOTSTRAP
set -uo pipefail
kp=$1
bootstrap=$2
cd "$(dirname "$0")/../../.."
passed=0 failed=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}
tool() { scripts/kafka tool "$@"; }

suffix=$RANDOM$RANDOM
topic=cli-$suffix group=cli-g-$suffix
tool topics --bootstrap-server "$bootstrap" --create --topic "$topic" --partitions 3 --replication-factor 1 >/dev/null
seq 1 30 | sed 's/^/k/; s/$/:v/' | tool console-producer --bootstrap-server "$bootstrap" --topic "$topic" \
  --property parse.key=true --property key.separator=: >/dev/null 2>&1
tool consumer-groups --bootstrap-server "$bootstrap" --group "$group" --topic "$topic:0,1" \
  --reset-offsets --to-offset 1 --execute >/dev/null

out=$("$kp" describe --bootstrap "$bootstrap" --group "$group"); rc=$?
echo "$out"
check "describe exits 0" [ "$rc" = 0 ]
check "describe has the header" grep -q "TOPIC  *PARTITION  *CURRENT-OFFSET  *LOG-END-OFFSET  *LAG  *LAST-CONSUMED" <<<"$out"
check "partition 2 has no commit" grep -Eq "^$topic +2 +no commit" <<<"$out"
# The oracle: every committed row's offsets and lag equal kafka-consumer-groups'.
oracle=$(tool consumer-groups --bootstrap-server "$bootstrap" --describe --group "$group" 2>/dev/null)
for p in 0 1; do
  want=$(awk -v t="$topic" -v p="$p" '$2==t && $3==p {print $4, $5, $6}' <<<"$oracle")
  got=$(awk -v t="$topic" -v p="$p" '$1==t && $2==p {print $3, $4, $5}' <<<"$out")
  check "partition $p matches kafka-consumer-groups ($want)" test -n "$want" -a "$want" = "$got"
done
json=$("$kp" describe --bootstrap "$bootstrap" --group "$group" --format json)
check "json has the committed offset" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); p=[x for t in d["topics"] for x in t["partitions"] if x["partition"]==0][0]; sys.exit(0 if p["committed_offset"]==1 else 1)' "$json"
check "json says no commit as null" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); p=[x for t in d["topics"] for x in t["partitions"] if x["partition"]==2][0]; sys.exit(0 if p["committed_offset"] is None and p["lag"] is None else 1)' "$json"

groups=$("$kp" groups --bootstrap "$bootstrap"); rc=$?
check "groups lists the group" grep -Eq "^$group +EMPTY +0 +1 +" <<<"$groups"
check "groups exits 0" [ "$rc" = 0 ]

"$kp" describe --bootstrap "$bootstrap" --group "nobody-$suffix" >/dev/null 2>&1; rc=$?
check "unknown group exits 3" [ "$rc" = 3 ]
"$kp" describe --bootstrap 127.0.0.1:1 --group g --timeout 2s >/dev/null 2>&1; rc=$?
check "unreachable Kafka exits 4" [ "$rc" = 4 ]
"$kp" describe --group g >/dev/null 2>&1; rc=$?
check "missing --bootstrap exits 2" [ "$rc" = 2 ]
"$kp" describe --bootstrap x:1 --group g --timeout soon >/dev/null 2>&1; rc=$?
check "bad --timeout exits 2" [ "$rc" = 2 ]
"$kp" describe --help >/dev/null; rc=$?
check "--help exits 0" [ "$rc" = 0 ]
"$kp" validate-config --config /nonexistent.toml >/dev/null 2>&1; rc=$?
check "missing config exits 5" [ "$rc" = 5 ]

tool topics --bootstrap-server "$bootstrap" --delete --topic "$topic" >/dev/null 2>&1 || true
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
