#!/usr/bin/env bash
# test_deploy_kafka.sh — the real-cluster topics and ACLs (deploy/kafka/) say what we mean, and
# apply.sh and the Strimzi manifests say the same thing.
#
# 1. apply.sh --dry-run: every topic 16 partitions, replication factor 3, min.insync.replicas=2;
#    event topics kept forever, school-directory compacted, DLQs 30 days; every command carries
#    --bootstrap-server and --command-config.
# 2. ACLs, per principal: a district (and its outbox relay, relay-<code>) writes the five event
#    topics and reads nothing; hub-readmodel
#    cannot write an event topic; ended districts have no user. What each hub program may read and
#    write is derived from its code, not written down a second time here: the topics it subscribes
#    to (the array it hands hub_consumer_new), its dead-letter topic (dlq.<name> of that call) and
#    the topics its modules produce to (hub_config_topic(cfg, HUB_TOPIC_...)); its Read and Write
#    topic ACLs must be exactly those, and its group its own. (An earlier hand-written list here
#    agreed with a table that left hub-notifier without Read on contact-change-events.)
# 3. strimzi/*.yaml parse (python3-yaml), are what gen-strimzi.sh makes of the table (no drift),
#    and hold exactly the topics and ACLs of the dry run — also with a topic prefix.
# 4. Real mode against stub kafka-*.sh tools: runs the commands in order, stops at the first
#    failure and names it; a table with an ACL on an undefined topic is refused with FILE:LINE.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_cmd python3 awk diff
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (run deploy/setup.sh)"

K=$HUB_SOURCE_DIR/deploy/kafka
CMDS=$TMP/commands.txt

bash "$K/apply.sh" --bootstrap-server broker-1.example:9093 --command-config /etc/sams-hub/admin.properties \
    --dry-run >"$CMDS" 2>"$TMP/apply.err" || fail "apply.sh --dry-run failed: $(cat "$TMP/apply.err")"
[[ -s $CMDS ]] || fail "apply.sh --dry-run printed nothing"

# --- 1. topics ---------------------------------------------------------------------------------
EVENT_TOPICS=(placement-events school-start-events handover-events contact-change-events
    follow-up-events)
ALL_TOPICS=("${EVENT_TOPICS[@]}" handover-receipts school-directory monthly-stats follow-up-stats
    dlq.readmodel dlq.notifier dlq.stats)

# The kafka-topics.sh --create line of topic $1.
create_line() { grep -E -- "^kafka-topics\.sh .*--create .*--topic $1( |$)" "$CMDS" || true; }

n_create=$(grep -c -- '^kafka-topics\.sh .*--create' "$CMDS" || true)
((n_create == ${#ALL_TOPICS[@]})) || fail "expected ${#ALL_TOPICS[@]} topics, apply.sh creates $n_create"
for t in "${ALL_TOPICS[@]}"; do
    line=$(create_line "$t")
    [[ -n $line ]] || fail "no kafka-topics.sh --create for $t"
    [[ $line == *"--if-not-exists"* ]] || fail "$t: create is not idempotent (--if-not-exists)"
    [[ $line == *"--partitions 16 "* ]] || fail "$t: not 16 partitions: $line"
    [[ $line == *"--replication-factor 3"* ]] || fail "$t: replication factor is not 3: $line"
    [[ $line == *"--config min.insync.replicas=2"* ]] || fail "$t: min.insync.replicas is not 2"
    grep -qE -- "^kafka-configs\.sh .*--entity-name $t --add-config .*min\.insync\.replicas=2" "$CMDS" ||
        fail "$t: no kafka-configs.sh --alter bringing an existing topic to the table's configs"
done
for t in "${EVENT_TOPICS[@]}" handover-receipts; do
    line=$(create_line "$t")
    [[ $line == *"--config retention.ms=-1"* && $line == *"--config retention.bytes=-1"* ]] ||
        fail "$t: events must be kept forever (the read model is rebuilt from them): $line"
    [[ $line == *"--config cleanup.policy=delete"* ]] || fail "$t: cleanup.policy is not delete"
done
[[ $(create_line school-directory) == *"--config cleanup.policy=compact"* ]] ||
    fail "school-directory is not compacted"
for t in dlq.readmodel dlq.notifier dlq.stats; do
    [[ $(create_line "$t") == *"--config retention.ms=2592000000"* ]] || fail "$t: retention is not 30 days"
done
bad=$(grep -v -- '--bootstrap-server broker-1.example:9093 --command-config /etc/sams-hub/admin.properties ' "$CMDS" || true)
[[ -z $bad ]] || fail "commands without --bootstrap-server/--command-config: $(head -n 2 <<<"$bad")"

# --- 2. ACLs -------------------------------------------------------------------------------------
# One line per (principal, operation, resource): "district-bromma Write topic placement-events".
python3 - "$CMDS" >"$TMP/acls.txt" <<'PY' || fail "cannot parse the kafka-acls.sh commands"
import shlex, sys
for line in open(sys.argv[1]):
    w = shlex.split(line)
    if not w or w[0] != "kafka-acls.sh":
        continue
    assert "--add" in w and w[w.index("--allow-host") + 1] == "*", line
    values = lambda opt: [w[i + 1] for i, x in enumerate(w) if x == opt]
    principals = values("--allow-principal")
    assert principals and all(p.startswith("User:") for p in principals), line
    res = ["topic " + t for t in values("--topic")] + ["group " + g for g in values("--group")]
    if "--cluster" in w:
        res.append("cluster kafka-cluster")
    assert res, line
    # kafka-acls.sh grants every operation to every principal on every resource of the command
    for p in principals:
        for op in values("--operation"):
            for r in res:
                print(p[5:], op, r)
PY
acl() { grep -E -- "$1" "$TMP/acls.txt" || true; }
[[ -n $(acl '^district-bromma Write topic placement-events$') ]] || fail "district-bromma cannot write placement-events"
for t in "${EVENT_TOPICS[@]}"; do
    [[ -n $(acl "^district-jarva Write topic $t\$") ]] || fail "district-jarva cannot write $t"
    [[ -n $(acl "^district-jarva Describe topic $t\$") ]] || fail "district-jarva cannot describe $t"
done
[[ -z $(acl '^district-[^ ]+ Read ') ]] || fail "a district can read: $(acl '^district-[^ ]+ Read ' | head -n 1)"
[[ -z $(acl '^district-[^ ]+ [^ ]+ group ') ]] || fail "a district has a consumer group ACL"
district_topics=$(acl '^district-[^ ]+ [^ ]+ topic ' | awk '{print $4}' | sort -u | tr '\n' ' ')
[[ $district_topics == "contact-change-events follow-up-events handover-events placement-events school-start-events " ]] ||
    fail "districts reach other topics than the five event topics: $district_topics"
n_districts=$(awk '/^district-/ {print $1}' "$TMP/acls.txt" | sort -u | wc -l)
n_current=$(awk -F, 'NR > 1 && $4 == "" {n++} END {print n}' "$HUB_SOURCE_DIR/schemas/reference/districts.csv")
((n_districts == n_current)) || fail "$n_districts district users, but $n_current current districts"
[[ -z $(acl '^district-norrmalm ') ]] || fail "an ended district (norrmalm) still has a user"
# A district's outbox relay (hub-relay) publishes what the district publishes, as relay-<code>:
# exactly the four event topics, the idempotent producer, no read, no group; one per current district.
relay_rights=$(acl '^relay-farsta ' | awk '{print $2, $3, $4}' | sort | tr '\n' ';')
district_rights=$(acl '^district-farsta ' | awk '{print $2, $3, $4}' | sort | tr '\n' ';')
[[ -n $relay_rights && $relay_rights == "$district_rights" ]] ||
    fail "relay-farsta's ACLs ($relay_rights) are not the district's ($district_rights)"
n_relays=$(awk '/^relay-/ {print $1}' "$TMP/acls.txt" | sort -u | wc -l)
((n_relays == n_current)) || fail "$n_relays relay users, but $n_current current districts"
[[ -z $(acl '^relay-norrmalm ') ]] || fail "an ended district (norrmalm) still has a relay user"

# What each hub program reads and writes, from its code: "PRINCIPAL read|write TOPIC" lines.
python3 - "$HUB_SOURCE_DIR/hub" >"$TMP/uses.txt" 2>"$TMP/uses.err" <<'PY' ||
import os, re, sys

root = sys.argv[1]
src = {}
for d, _, files in os.walk(root):
    for f in files:
        if f.endswith((".c", ".h")):
            src[f] = open(os.path.join(d, f)).read()
topic = dict(re.findall(r'#define\s+(HUB_TOPIC_[A-Z_]+)\s+"([^"]+)"', src["kafka.h"]))
assert "HUB_TOPIC_HANDOVER" in topic, "no HUB_TOPIC_* in kafka.h"

def produced(text):
    return {topic[m] for m in re.findall(r"hub_config_topic\(\s*cfg,\s*(HUB_TOPIC_[A-Z_]+)", text)}

# principal -> (the module calling hub_consumer_new, other modules it links for producing)
programs = {
    "hub-readmodel": (["readmodel.c"], []),
    "hub-notifier": (["notifier.c"], [f for f in src if f.startswith("notify_") and f.endswith(".c")]),
    "hub-stats": ([], ["stats_publish.c", "followup_publish.c"]),
    "hub-directory": ([], ["directory.c"]),
}
for principal, (consumers, producers) in sorted(programs.items()):
    reads, writes = set(), set()
    for f in consumers:
        text = src[f]
        m = re.search(r'hub_consumer_new\(\s*cfg,\s*"([a-z]+)",\s*[^,]+,\s*([a-z_]+)', text)
        assert m, "%s: no hub_consumer_new(cfg, \"name\", group, topics, ...) call" % f
        name, array = m.groups()
        init = re.search(r"\b%s\[\]\s*=\s*\{([^}]*)\}" % array, text)
        assert init, "%s: cannot find the initializer of %s[]" % (f, array)
        names = re.findall(r"HUB_TOPIC_[A-Z_]+", init.group(1))
        assert names, "%s: %s[] names no HUB_TOPIC_*" % (f, array)
        reads |= {topic[n] for n in names}
        writes.add("dlq." + name)
        writes |= produced(text)
    for f in producers:
        writes |= produced(src[f])
    assert reads or writes, principal
    for t in sorted(reads):
        print(principal, "read", t)
    for t in sorted(writes):
        print(principal, "write", t)
PY
    fail "cannot derive the programs' topics from hub/: $(cat "$TMP/uses.err")"
grep -q '^hub-notifier read contact-change-events$' "$TMP/uses.txt" ||
    fail "deriving from the code: hub-notifier does not seem to subscribe to contact-change-events: $(cat "$TMP/uses.txt")"

# The table gives each program exactly the topics its code uses, and only its own group.
for who in $(awk '{print $1}' "$TMP/uses.txt" | sort -u); do
    for rw in read write; do
        want=$(awk -v w="$who" -v rw="$rw" '$1 == w && $2 == rw {print $3}' "$TMP/uses.txt" | sort | tr '\n' ' ')
        op=Read
        [[ $rw == write ]] && op=Write
        got=$(acl "^$who $op topic " | awk '{print $4}' | sort -u | tr '\n' ' ')
        [[ $got == "$want" ]] || fail "$who: $op ACLs on '$got', but its code ${rw}s '$want'"
        for t in $want; do
            [[ -n $(acl "^$who Describe topic $t\$") ]] || fail "$who cannot describe $t (it ${rw}s it)"
        done
    done
    if grep -q "^$who read " "$TMP/uses.txt"; then
        [[ -n $(acl "^$who Read group $who\$") ]] || fail "$who cannot use its consumer group $who"
    fi
    got=$(acl "^$who [^ ]+ group " | awk '{print $4}' | sort -u | tr '\n' ' ')
    [[ -z $got || $got == "$who " ]] || fail "$who has ACLs on other groups: $got"
    [[ -z $(acl "^$who (All|Alter|Delete|Create|AlterConfigs) ") ]] || fail "$who may administer something"
done
[[ -z $(acl "^hub-stats (Read|All) ") ]] || fail "hub-stats may read something: $(acl '^hub-stats Read ')"
for t in "${EVENT_TOPICS[@]}"; do
    [[ -z $(acl "^hub-readmodel Write topic $t\$") ]] || fail "hub-readmodel can write $t"
done
[[ $(acl ' Write topic school-directory$' | awk '{print $1}' | tr '\n' ' ') == "hub-directory " ]] ||
    fail "school-directory must be written by hub-directory alone"
[[ -z $(acl ' All ') ]] || fail "an ACL grants All"

# --- 3. Strimzi manifests: parse, no drift, same content as the dry run --------------------------
bash "$K/gen-strimzi.sh" --check 2>"$TMP/drift.err" ||
    fail "strimzi/*.yaml drifted from cluster.table (run deploy/kafka/gen-strimzi.sh): $(tail -n 5 "$TMP/drift.err")"

# Compares topics and ACLs of a dry run with a topics.yaml + users.yaml; checks kafka.yaml too.
compare_yaml() {
    python3 - "$1" "$2/topics.yaml" "$2/users.yaml" "$K/strimzi/kafka.yaml" <<'PY'
import shlex, sys, yaml

cmds, topics_yaml, users_yaml, kafka_yaml = sys.argv[1:]

def load(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    for d in docs:
        assert d["apiVersion"] == "kafka.strimzi.io/v1beta2", (path, d.get("apiVersion"))
    return docs

want_topics, want_acls = {}, set()
for line in open(cmds):
    w = shlex.split(line)
    if w[0] == "kafka-topics.sh":
        cfg = {}
        for i, x in enumerate(w):
            if x == "--config":
                k, v = w[i + 1].split("=", 1)
                cfg[k] = v
        want_topics[w[w.index("--topic") + 1]] = (
            int(w[w.index("--partitions") + 1]), int(w[w.index("--replication-factor") + 1]), cfg)
    elif w[0] == "kafka-acls.sh":
        values = lambda opt: [w[i + 1] for i, x in enumerate(w) if x == opt]
        res = [("topic", t) for t in values("--topic")] + [("group", g) for g in values("--group")]
        if "--cluster" in w:
            res.append(("cluster", None))
        for p in values("--allow-principal"):
            for r in res:
                for op in values("--operation"):
                    want_acls.add((p[len("User:"):],) + r + (op,))

def text(v):  # YAML turned -1 into an int and false into a bool; the CLI has strings
    return str(v).lower() if isinstance(v, bool) else str(v)

got_topics = {}
for d in load(topics_yaml):
    assert d["kind"] == "KafkaTopic", d["kind"]
    assert d["metadata"]["labels"]["strimzi.io/cluster"] == "sams-hub"
    s = d["spec"]
    got_topics[s["topicName"]] = (s["partitions"], s["replicas"],
                                  {k: text(v) for k, v in s.get("config", {}).items()})
if got_topics != want_topics:
    sys.exit("topics differ:\n  apply.sh: %r\n  strimzi:  %r" % (want_topics, got_topics))

got_acls = set()
for d in load(users_yaml):
    assert d["kind"] == "KafkaUser", d["kind"]
    s = d["spec"]
    assert s["authentication"] == {"type": "scram-sha-512"}, d["metadata"]["name"]
    assert s["authorization"]["type"] == "simple", d["metadata"]["name"]
    for a in s["authorization"]["acls"]:
        r = a["resource"]
        assert a.get("host", "*") == "*" and a.get("type", "allow") == "allow"
        assert r["type"] == "cluster" or r.get("patternType") == "literal", r
        for op in a["operations"]:
            got_acls.add((d["metadata"]["name"], r["type"], r.get("name"), op))
if got_acls != want_acls:
    sys.exit("ACLs differ:\n  only in apply.sh: %r\n  only in strimzi:  %r"
             % (sorted(want_acls - got_acls), sorted(got_acls - want_acls)))

kinds = sorted(d["kind"] for d in load(kafka_yaml))
assert kinds == ["Kafka", "KafkaNodePool"], kinds
kafka = [d for d in load(kafka_yaml) if d["kind"] == "Kafka"][0]["spec"]["kafka"]
assert kafka["authorization"]["type"] == "simple"
assert all(l["tls"] and l["authentication"]["type"] == "scram-sha-512" for l in kafka["listeners"])
assert kafka["config"]["min.insync.replicas"] == 2 and kafka["config"]["auto.create.topics.enable"] is False
print("%d topics and %d ACL entries agree" % (len(got_topics), len(got_acls)))
PY
}
compare_yaml "$CMDS" "$K/strimzi" >"$TMP/compare.out" 2>&1 ||
    fail "apply.sh and strimzi/*.yaml disagree: $(tail -n 5 "$TMP/compare.out")"
_hub_log "$(tail -n 1 "$TMP/compare.out")"

# With a topic prefix: topics and topic ACLs are prefixed, groups and principals are not.
bash "$K/apply.sh" --bootstrap-server b:9093 --command-config c.properties --prefix test. --dry-run \
    >"$TMP/prefixed.txt" || fail "apply.sh --prefix failed"
bash "$K/gen-strimzi.sh" --prefix test. --out "$TMP/strimzi-prefixed" 2>/dev/null || fail "gen-strimzi.sh --prefix failed"
compare_yaml "$TMP/prefixed.txt" "$TMP/strimzi-prefixed" >"$TMP/compare.out" 2>&1 ||
    fail "with a prefix, apply.sh and gen-strimzi.sh disagree: $(tail -n 5 "$TMP/compare.out")"
grep -q -- '--topic test\.placement-events ' "$TMP/prefixed.txt" || fail "--prefix: topic not prefixed"
grep -q -- '--group hub-readmodel ' "$TMP/prefixed.txt" || fail "--prefix: the group name must stay as it is"
grep -qE -- '--topic (placement-events|dlq\.)' "$TMP/prefixed.txt" && fail "--prefix: an unprefixed topic remains"
grep -q '^  name: test-dlq-readmodel$' "$TMP/strimzi-prefixed/topics.yaml" ||
    fail "--prefix: KafkaTopic metadata.name is not a Kubernetes name"

# --- 4. real mode with stub tools; bad tables ----------------------------------------------------
mkdir -p "$TMP/bin"
for t in kafka-topics.sh kafka-configs.sh kafka-acls.sh; do
    cat >"$TMP/bin/$t" <<STUB
#!/usr/bin/env bash
printf '%s %s\n' "$t" "\$*" >>"$TMP/ran.txt"
[[ \${STUB_FAIL_ON:-} != "$t" ]]
STUB
    chmod +x "$TMP/bin/$t"
done
printf 'security.protocol=SASL_SSL\n' >"$TMP/admin.properties"
bash "$K/apply.sh" --bootstrap-server b:9093 --command-config "$TMP/admin.properties" \
    --kafka-bin "$TMP/bin" 2>"$TMP/real.err" || fail "apply.sh with stub tools failed: $(tail -n 3 "$TMP/real.err")"
# The same commands, in the same order, as the dry run.
bash "$K/apply.sh" --bootstrap-server b:9093 --command-config "$TMP/admin.properties" --dry-run |
    python3 -c 'import shlex,sys; [print(" ".join(shlex.split(l))) for l in sys.stdin]' >"$TMP/dry.txt"
diff -u "$TMP/dry.txt" "$TMP/ran.txt" >"$TMP/run.diff" || fail "real mode ran other commands than the dry run: $(head -n 8 "$TMP/run.diff")"
: >"$TMP/ran.txt"
rc=0
STUB_FAIL_ON=kafka-acls.sh bash "$K/apply.sh" --bootstrap-server b:9093 --kafka-bin "$TMP/bin" \
    2>"$TMP/real.err" || rc=$?
((rc == 1)) || fail "a failing kafka-acls.sh: expected exit 1, got $rc"
grep -q 'failed (exit 1): .*kafka-acls.sh .*User:district-bromma' "$TMP/real.err" ||
    fail "the failed command is not named: $(tail -n 2 "$TMP/real.err")"
(($(grep -c '^kafka-acls.sh' "$TMP/ran.txt") == 1)) || fail "apply.sh went on after a failure"

sed 's/^allow hub-stats       topic   monthly-stats .*/allow hub-stats topic monthly-stat Write/' \
    "$K/cluster.table" >"$TMP/typo.table"
rc=0
bash "$K/apply.sh" --bootstrap-server b:9093 --dry-run --table "$TMP/typo.table" >/dev/null 2>"$TMP/typo.err" || rc=$?
((rc == 2)) || fail "an ACL on an undefined topic: expected exit 2, got $rc"
grep -qE 'typo\.table:[0-9]+: ACL on topic monthly-stat, which no topic line defines' "$TMP/typo.err" ||
    fail "the typo is not named with FILE:LINE: $(cat "$TMP/typo.err")"
rc=0
bash "$K/apply.sh" --dry-run >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "apply.sh without --bootstrap-server: expected exit 2, got $rc"

pass "$(wc -l <"$CMDS") commands; $(wc -l <"$TMP/acls.txt") ACL entries; strimzi manifests agree"
