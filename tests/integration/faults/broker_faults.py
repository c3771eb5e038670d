#!/usr/bin/env python3
"""Reliability of kprogress under broker faults, on a real three-node Kafka cluster.

One scenario per run (one CTest test each, in order, on the cluster of the `kafka_faults`
fixture):
  kill-leader  SIGKILL the node that leads some of the test's partitions and coordinates some of
               its groups; later `scripts/kafka start` it again.
  freeze       SIGSTOP such a node (`scripts/kafka stop`), later SIGCONT (`cont`).
  all-down     SIGKILL every node, later start them all again.

For each scenario the driver makes its own topics (replication factor 3) and six groups whose
coordinators cover all six __consumer_offsets partitions (hence every node that leads one), with
records and commits written by the fault_data helper, so the exact expected numbers of every
partition are known. It starts `kprogress serve` as a separate process (an abort inside
librdkafka shows as a dead server, which fails the test and is reported as such) and polls
GetConsumerProgress for every group, concurrently and all the time, plus /api/v1/instances and
/metrics. Through every phase:
  - every answer arrives within request_timeout + DEADLINE_MARGIN_S (a deadline contract);
  - every answer is either the exact numbers (200) or a 503 ServiceUnavailable with a non-empty
    message; any other status, a wrong number or a timeout is a failure, printed with the exact
    request and response;
  - after the fault settles, and again after recovery, every group converges to the exact
    numbers and Kafka's own kafka-consumer-groups (the oracle) agrees; then the data moves on
    (more records, new commits) and both must follow, without restarting kprogress;
  - the collector's health (/api/v1/instances: last_cycle.error, last_success_ms; /metrics:
    kprogress_instance_up, kprogress_collector_last_success_timestamp_seconds,
    kafka_consumergroup_group_sum_lag) shows failure (all-down) and recovery (always);
  - /metrics counts every 503 the probers got during a fault
    (kprogress_http_requests_total{route="/",code="503"}) and 200s again after it.
Every wait has a deadline; the only sleeps are short polling intervals. Output is a timeline
with times relative to the start; the last line is
  RESULT scenario=S status=PASS|FAIL kprogress_abort=yes|no duration_s=N
"""

import argparse
import json
import os
import random
import re
import signal
import string
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

REQUEST_TIMEOUT_S = 5.0      # [server] request_timeout of the kprogress under test
DEADLINE_MARGIN_S = 1.5      # HTTP round trip and scheduling on a loaded two-core machine
CLIENT_TIMEOUT_S = REQUEST_TIMEOUT_S + 15  # the driver's own socket timeout (a hang, not a deadline)
POLL_INTERVAL_S = 0.5        # between two requests of one group's prober
SETTLE_TIMEOUT_S = 120       # a fault or a recovery must settle within this
COLLECTOR_TIMEOUT_S = 30     # the collector must show a change within this (30 cycles of 1 s)
STREAK = 3                   # consecutive exact answers that count as "converged"
INSTANCE = 'alikafka_faults'
REGION = 'cn-hangzhou'
OFFSETS_PARTITIONS = 6       # offsets.topic.num.partitions of scripts/kafka with 3 nodes
ASSERT_RE = re.compile(r'Assertion .* failed|assert.*failed', re.IGNORECASE)

T0 = time.monotonic()


def now():
    return time.monotonic() - T0


def log(msg):
    print(f'[{now():8.3f}s] {msg}', flush=True)


class Failure(Exception):
    pass


class KprogressDied(Failure):
    pass


def wait_for(what, condition, timeout, interval=0.2, alive=None):
    """Polls `condition` until it returns a true value (returned) or `timeout` passes (Failure).
    `alive` is called every round and raises when the server died."""
    deadline = time.monotonic() + timeout
    while True:
        if alive:
            alive()
        v = condition()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Failure(f'timed out after {timeout:.0f}s waiting for {what}')
        time.sleep(interval)


def java_hash(s):
    """java.lang.String.hashCode, for Kafka's group -> __consumer_offsets partition mapping."""
    h = 0
    for c in s:
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= (1 << 31) else h


def offsets_partition(group):
    h = java_hash(group)
    return 0 if h == -(1 << 31) else abs(h) % OFFSETS_PARTITIONS


def suffix(n=8):
    return ''.join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


# ---- the cluster: scripts/kafka and Kafka's own tools ------------------------------------------

class Kafka:
    def __init__(self, source_dir, name, bootstrap):
        self.script = os.path.join(source_dir, 'scripts', 'kafka')
        self.name = name
        self.bootstrap = bootstrap
        self.out = None  # the node a fault took out: Kafka's tools do not bootstrap from it

    def tool_bootstrap(self):
        """The bootstrap list for Kafka's own tools, without the node that is out (node i is the
        i-th address): a Java admin client that picks a frozen node first waits out its request
        timeout on it, and a 60 s deadline of ours then fails the run for the tool's sake."""
        nodes = self.bootstrap.split(',')
        if self.out is not None and 0 < self.out <= len(nodes) and len(nodes) > 1:
            del nodes[self.out - 1]
        return ','.join(nodes)

    def run(self, args, timeout, check=True):
        """Runs scripts/kafka ARGS in its own process group; kills the group at the timeout."""
        p = subprocess.Popen([self.script] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            raise Failure(f'scripts/kafka {" ".join(args)}: no result within {timeout}s\n{out}{err}')
        if check and p.returncode != 0:
            raise Failure(f'scripts/kafka {" ".join(args)} exited {p.returncode}\n{out}{err}')
        return p.returncode, out, err

    def node(self, action, n, timeout=200):
        t = time.monotonic()
        self.run([action, str(n), '--name', self.name] +
                 (['--timeout', '150'] if action == 'start' else []), timeout)
        log(f'cluster: {action} node {n} done in {time.monotonic() - t:.1f}s')

    def states(self):
        _, out, _ = self.run(['status', '--name', self.name], 30, check=False)
        return {int(m.group(1)): m.group(2)
                for m in re.finditer(r'node (\d+): (\w+)', out)}

    def tool(self, args, timeout=90):
        """(returncode, stdout, stderr); a tool that gives no result in time is a failed call
        (-1), which the callers retry, not a failure of the run."""
        try:
            return self.run(['tool'] + args, timeout, check=False)
        except Failure as e:
            return -1, '', str(e)

    def partitions(self, topic_regex=None):
        """{(topic, partition): (leader, [isr])} from kafka-topics --describe; None on failure."""
        args = ['topics', '--bootstrap-server', self.tool_bootstrap(), '--describe']
        if topic_regex:
            args += ['--topic', topic_regex]
        rc, out, err = self.tool(args, timeout=60)
        if rc != 0:
            return None
        parts = {}
        for m in re.finditer(r'Topic:\s*(\S+)\s+Partition:\s*(\d+)\s+Leader:\s*(-?\d+|none)\s+'
                             r'Replicas:\s*(\S+)\s+Isr:\s*(\S*)', out):
            leader = -1 if m.group(3) == 'none' else int(m.group(3))
            isr = [int(x) for x in m.group(5).split(',') if x.strip().isdigit()]
            parts[(m.group(1), int(m.group(2)))] = (leader, isr)
        return parts

    def describe_groups(self, groups):
        """The oracle: {group: {(topic, partition): (current, log_end, lag)}} and the tool's
        output, or (None, output) when the tool failed."""
        args = ['consumer-groups', '--bootstrap-server', self.tool_bootstrap(), '--describe']
        for g in groups:
            args += ['--group', g]
        rc, out, err = self.tool(args)
        text = out + err
        if rc != 0 or 'Error' in err or 'Exception' in err:
            return None, text
        rows = {g: {} for g in groups}
        header = None
        for line in out.splitlines():
            cols = line.split()
            if not cols:
                continue
            if cols[0] == 'GROUP' and len(cols) > 2 and cols[1] == 'TOPIC':
                header = cols
                continue
            if header is None or len(cols) != len(header) or cols[0] not in rows:
                continue
            r = dict(zip(header, cols))
            num = (lambda v: None if v == '-' else int(v))
            rows[cols[0]][(r['TOPIC'], int(r['PARTITION']))] = (
                num(r['CURRENT-OFFSET']), num(r['LOG-END-OFFSET']), num(r['LAG']))
        return rows, text

    def coordinators(self, groups):
        """{group: coordinator node id} from kafka-consumer-groups --describe --state."""
        args = ['consumer-groups', '--bootstrap-server', self.tool_bootstrap(), '--describe',
                '--state']
        for g in groups:
            args += ['--group', g]
        rc, out, err = self.tool(args)
        if rc != 0:
            return None
        found = {}
        for m in re.finditer(r'^(\S+)\s+\S+:\d+\s+\((\d+)\)', out, re.MULTILINE):
            if m.group(1) in groups:
                found[m.group(1)] = int(m.group(2))
        return found if len(found) == len(groups) else None


# ---- the data: what fault_data wrote, hence the exact expected numbers --------------------------

class Data:
    def __init__(self, helper, bootstrap, scenario):
        self.helper = helper
        self.bootstrap = bootstrap
        tag = {'kill-leader': 'kl', 'freeze': 'fz', 'all-down': 'ad'}[scenario]
        run = suffix(6)
        self.topics = {f'flt-{tag}-{run}-a': 6, f'flt-{tag}-{run}-b': 3}
        self.groups = []
        for p in range(OFFSETS_PARTITIONS):  # one group per __consumer_offsets partition
            while True:
                g = f'flt-{tag}-{run}-g{p}-{suffix(4)}'
                if offsets_partition(g) == p:
                    self.groups.append(g)
                    break
        self.timestamps = {}  # (topic, partition) -> [timestamp of offset 0, 1, ...]
        self.commits = {g: {} for g in self.groups}  # group -> {(topic, partition): offset}
        self.version = 0  # bumped around every change of the data
        self.changing = False
        self.lock = threading.Lock()
        self.ts_base = int(time.time() * 1000) - 3600 * 1000  # recent: retention must keep them

    def run(self, ops):
        try:
            p = subprocess.run([self.helper], input=json.dumps(ops), capture_output=True,
                               text=True, timeout=180,
                               env=dict(os.environ, KPROGRESS_TEST_BOOTSTRAP=self.bootstrap))
        except subprocess.TimeoutExpired as e:
            raise Failure(f'fault_data (the test helper) did not finish in 180s: {e.stderr}')
        if p.returncode != 0:
            how = (f'killed by signal {-p.returncode}' if p.returncode < 0
                   else f'exited {p.returncode}')
            raise Failure(f'fault_data (the test helper, librdkafka) {how}: {p.stderr.strip()}')
        return json.loads(p.stdout)

    def create(self):
        ops = [{'op': 'create_topic', 'topic': t, 'partitions': n, 'replication_factor': 3}
               for t, n in self.topics.items()]
        self.run(ops)
        self.advance(first=True)

    def advance(self, first=False):
        """Appends records to every partition and moves every group's commits."""
        with self.lock:
            self.version += 1
            self.changing = True
        try:
            ops, keys = [], []
            for t, n in self.topics.items():
                for p in range(n):
                    count = (10 + 3 * p) if first else 5
                    ts = self.ts_base + len(self.timestamps.get((t, p), [])) * 1000 + p
                    self.ts_base += 1
                    ops.append({'op': 'produce', 'topic': t, 'partition': p, 'count': count,
                                'timestamp_ms': ts})
                    keys.append(((t, p), [ts + i for i in range(count)]))
            results = self.run(ops)
            for ((tp, stamps), res) in zip(keys, results):
                have = self.timestamps.setdefault(tp, [])
                if res['offsets'] != list(range(len(have), len(have) + len(stamps))):
                    raise Failure(f'{tp}: records landed at {res["offsets"]}, '
                                  f'expected from {len(have)} on')
                have.extend(stamps)
            ops = []
            for i, g in enumerate(self.groups):
                offsets = []
                for t, n in self.topics.items():
                    if t.endswith('-b') and i % 2 == 1:
                        continue  # odd groups have no commits on topic b
                    for p in range(n):
                        hw = len(self.timestamps[(t, p)])
                        old = self.commits[g].get((t, p))
                        if old is None:
                            # 0 (nothing consumed), everything (lag 0), or part-way
                            new = [0, hw, (i + 2 * p) % hw][(i + p) % 3]
                        else:
                            new = min(hw, old + 1 + (i + p) % 4)
                        offsets.append([t, p, new])
                ops.append({'op': 'commit', 'group': g, 'offsets': offsets})
            self.run(ops)
            for op in ops:
                for t, p, o in op['offsets']:
                    self.commits[op['group']][(t, p)] = o
        finally:
            with self.lock:
                self.version += 1
                self.changing = False

    def snapshot_version(self):
        with self.lock:
            return self.version, self.changing

    def expected(self, group):
        """{(topic, partition): (consumer_offset, broker_offset, accumulate, last_timestamp)}."""
        out = {}
        for (t, p), c in self.commits[group].items():
            stamps = self.timestamps[(t, p)]
            hw = len(stamps)
            out[(t, p)] = (c, hw, max(0, hw - c), stamps[c - 1] if c > 0 else 0)
        return out

    def total_lag(self, group):
        return sum(v[2] for v in self.expected(group).values())

    def delete(self):
        self.run([{'op': 'delete_topic', 'topic': t} for t in self.topics])


def body_mismatches(data, group, body):
    """Why a 200 body is not the exact truth for `group` ([] when it is)."""
    problems = []
    if body.get('Success') is not True or body.get('Code') != 200:
        problems.append(f'Success={body.get("Success")!r} Code={body.get("Code")!r}')
    cp = body.get('ConsumerProgress') or {}
    exp = data.expected(group)
    got = {}
    topic_ts = {}
    for t in (cp.get('TopicList') or {}).get('TopicList') or []:
        offs = (t.get('OffsetList') or {}).get('OffsetList') or []
        for o in offs:
            got[(t.get('Topic'), o.get('Partition'))] = (
                o.get('ConsumerOffset'), o.get('BrokerOffset'), o.get('Accumulate'),
                o.get('LastTimestamp'))
        want_tdiff = sum(exp[k][2] for k in exp if k[0] == t.get('Topic'))
        if t.get('TotalDiff') != want_tdiff:
            problems.append(f'topic {t.get("Topic")} TotalDiff {t.get("TotalDiff")} != {want_tdiff}')
        want_tts = max([exp[k][3] for k in exp if k[0] == t.get('Topic')] or [None])
        topic_ts[t.get('Topic')] = t.get('LastTimestamp')
        if t.get('LastTimestamp') != want_tts:
            problems.append(f'topic {t.get("Topic")} LastTimestamp {t.get("LastTimestamp")} '
                            f'!= {want_tts}')
    for k in sorted(set(exp) | set(got), key=str):
        if k not in got:
            problems.append(f'{k[0]}-{k[1]} missing')
        elif k not in exp:
            problems.append(f'{k[0]}-{k[1]} present without a commit')
        elif got[k] != exp[k]:
            problems.append(f'{k[0]}-{k[1]} (ConsumerOffset, BrokerOffset, Accumulate, '
                            f'LastTimestamp) = {got[k]}, want {exp[k]}')
    if cp.get('TotalDiff') != data.total_lag(group):
        problems.append(f'TotalDiff {cp.get("TotalDiff")} != {data.total_lag(group)}')
    want_ts = max(v[3] for v in exp.values())
    if cp.get('LastTimestamp') != want_ts:
        problems.append(f'LastTimestamp {cp.get("LastTimestamp")} != {want_ts}')
    if cp.get('state') != 'EMPTY':
        problems.append(f'state {cp.get("state")!r}, want "EMPTY" (no member ever joined)')
    return problems


# ---- kprogress serve, as a separate process ----------------------------------------------------

class Server:
    LINE = re.compile(r'kprogress serving on http://127\.0\.0\.1:(\d+)')

    def __init__(self, binary, work_dir, bootstrap, scenario, collector=True, gdb=False, run=1):
        name = f'kprogress-{scenario}' + (f'-{run}' if run > 1 else '')
        self.config = os.path.join(work_dir, f'{name}.toml')
        self.log_path = os.path.join(work_dir, f'{name}.log')
        with open(self.config, 'w') as f:
            f.write(f'''# written by broker_faults.py
[server]
listen = "127.0.0.1:0"
request_timeout = "{int(REQUEST_TIMEOUT_S)}s"

[auth]
enabled = false

[collector]
enabled = {'true' if collector else 'false'}
interval = "1s"
cycle_timeout = "{int(REQUEST_TIMEOUT_S)}s"

[[instance]]
id = "{INSTANCE}"
region = "{REGION}"
bootstrap = "{bootstrap}"
''')
        self.lines = []
        self.lock = threading.Lock()
        self.log_file = open(self.log_path, 'w')
        command = [binary, 'serve', '--config', self.config]
        if gdb:  # diagnosis: a backtrace of every thread when it crashes
            command = ['gdb', '-q', '-batch', '-ex', 'set pagination off', '-ex',
                       'set print thread-events off', '-ex', 'run',
                       '-ex', 'thread apply all bt 30', '--args'] + command
        self.proc = subprocess.Popen(command,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors='replace')
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.port = None
        self.death = None  # the report, once it died
        self.died_at = None
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def _watch(self):
        rc = self.proc.wait()
        self.died_at = now()
        if not getattr(self, 'stopping', False):
            log(f'!!! kprogress (pid {self.proc.pid}) ended: ' +
                (f'killed by {signal.Signals(-rc).name}' if rc < 0 else f'exit code {rc}'))

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.rstrip('\n'))
            self.log_file.write(line)
            self.log_file.flush()

    def text(self):
        with self.lock:
            return '\n'.join(self.lines)

    def wait_serving(self):
        def serving():
            m = self.LINE.search(self.text())
            return m and int(m.group(1))
        self.port = wait_for('the "kprogress serving on" line', serving, 30, 0.05, self.alive)
        log(f'kprogress pid {self.proc.pid} serving on 127.0.0.1:{self.port}')

    def alive(self):
        """Raises KprogressDied (with the abort, if any) once the process has ended."""
        if self.death:
            raise KprogressDied(self.death)
        rc = self.proc.poll()
        if rc is None:
            return
        self.reader.join(timeout=5)
        self.watcher.join(timeout=5)
        text = self.text()
        how = (f'killed by {signal.Signals(-rc).name}' if rc < 0 else f'exited with {rc}')
        asserts = [l for l in text.splitlines() if ASSERT_RE.search(l)]
        self.death = (f'kprogress (pid {self.proc.pid}) died at +{self.died_at or now():.1f}s: '
                      f'{how}')
        if asserts:
            self.death += '\n  ' + '\n  '.join(asserts)
        if any('rd_kafka_enq_once' in l for l in asserts):
            self.death += '\n  => the known librdkafka 2.0.2 abort (enq_once refcnt)'
        self.death += '\n  last lines of its log:\n    ' + '\n    '.join(text.splitlines()[-25:])
        raise KprogressDied(self.death)

    def aborted(self):
        return self.death is not None and ('SIGABRT' in self.death or 'Assertion' in self.death)

    def stop(self):
        """SIGTERM: it must drain and exit 0 within request_timeout + a few seconds."""
        if self.proc.poll() is not None:
            return
        self.stopping = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=REQUEST_TIMEOUT_S + 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure('kprogress did not exit within request_timeout + 10s of SIGTERM')
        if rc != 0:
            raise Failure(f'kprogress exited with {rc} after SIGTERM, want 0')

    def kill(self):
        if self.proc.poll() is None:
            self.stopping = True
            self.proc.kill()
            self.proc.wait()


def http_get(port, path):
    """(status, body text, seconds). status -1: no answer within CLIENT_TIMEOUT_S or refused."""
    t = time.monotonic()
    try:
        with urllib.request.urlopen(f'http://127.0.0.1:{port}{path}',
                                    timeout=CLIENT_TIMEOUT_S) as r:
            return r.status, r.read().decode('utf-8', 'replace'), time.monotonic() - t
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode('utf-8', 'replace'), time.monotonic() - t
    except (urllib.error.URLError, OSError) as e:
        return -1, f'{type(e).__name__}: {e}', time.monotonic() - t


def progress_path(group):
    return ('/?Action=GetConsumerProgress&Version=2019-09-16&Format=JSON'
            f'&RegionId={REGION}&InstanceId={INSTANCE}&ConsumerId={group}')


# ---- the probers: every group asked all the time, every answer judged ---------------------------

class Probers:
    def __init__(self, server, data):
        self.server = server
        self.data = data
        self.phase = 'start'
        self.records = {g: [] for g in data.groups}  # (start, seconds, phase, verdict, detail)
        self.violations = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(g,), daemon=True)
                        for g in data.groups]
        self.first_error_logged = set()

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=CLIENT_TIMEOUT_S + 5)

    def set_phase(self, phase):
        with self.lock:
            self.phase = phase
        log(f'=== phase: {phase}')

    def _run(self, group):
        while not self.stopping.is_set():
            if self.server.proc.poll() is not None:
                return
            self.probe(group)
            self.stopping.wait(POLL_INTERVAL_S)

    def probe(self, group):
        with self.lock:
            phase = self.phase
        v0 = self.data.snapshot_version()
        start = now()
        path = progress_path(group)
        status, text, secs = http_get(self.server.port, path)
        v1 = self.data.snapshot_version()
        stable = v0 == v1 and not v0[1]  # the data did not change while it was asked
        limit = REQUEST_TIMEOUT_S + DEADLINE_MARGIN_S
        verdict, detail = 'ok', ''
        try:
            body = json.loads(text) if status > 0 else {}
        except ValueError:
            body = None
        if status == -1:
            try:
                self.server.proc.wait(timeout=3)
                return  # the server died under this request: alive() reports it
            except subprocess.TimeoutExpired:
                pass
            verdict, detail = 'violation', f'no HTTP answer: {text}'
        elif body is None or not isinstance(body, dict):
            verdict, detail = 'violation', 'the body is not a JSON object'
        elif status == 200:
            problems = body_mismatches(self.data, group, body) if stable else []
            verdict = 'ok' if stable else 'ok-unchecked'
            if problems:
                verdict, detail = 'violation', 'wrong numbers: ' + '; '.join(problems)
        elif status == 503:
            msg = body.get('Message') or ''
            verdict, detail = 'unavailable', msg
            # "Kafka is unavailable: <what failed>": the part after the prefix names it.
            if body.get('Code') != 'ServiceUnavailable' or not msg.split(':', 1)[-1].strip():
                verdict, detail = 'violation', ('503 without Code=ServiceUnavailable and a message '
                                                'that names what failed')
        else:
            verdict, detail = 'violation', f'unexpected HTTP {status}'
        if secs > limit:
            detail = (f'answered after {secs:.2f}s, over request_timeout {REQUEST_TIMEOUT_S}s + '
                      f'{DEADLINE_MARGIN_S}s; ' + (detail or verdict))
            verdict = 'violation'
        with self.lock:
            self.records[group].append((start, secs, phase, verdict, detail))
            if verdict == 'violation':
                self.violations.append(
                    f'[{start:.3f}s, phase {phase}] GET {path}\n      -> HTTP {status} in '
                    f'{secs:.2f}s: {text[:1500]}\n      {detail}')
                log(f'VIOLATION {group}: HTTP {status} in {secs:.2f}s: {detail[:300]}')
            elif verdict == 'unavailable' and (group, phase) not in self.first_error_logged:
                self.first_error_logged.add((group, phase))
                log(f'{group}: 503 in {secs:.2f}s: {detail[:300]}')

    def last_answers(self, since):
        """Per group: how many answers since `since`, and the last one (for a report)."""
        with self.lock:
            out = []
            for g, recs in self.records.items():
                rs = [r for r in recs if r[0] >= since]
                last = rs[-1] if rs else None
                out.append(f'{g}: {len(rs)} answers, last ' +
                           (f'{last[3]} at +{last[0]:.1f}s in {last[1]:.2f}s {last[4][:200]}'
                            if last else 'none'))
            return '\n  '.join(out)

    def converged(self, since):
        """True when every group's last STREAK answers, all asked after `since`, were exact."""
        with self.lock:
            for g, recs in self.records.items():
                tail = [r for r in recs if r[0] >= since][-STREAK:]
                if len(tail) < STREAK or any(r[3] != 'ok' for r in tail):
                    return False
        return True

    def count_since(self, since, verdict):
        with self.lock:
            return {g: sum(1 for r in recs if r[0] >= since and r[3] == verdict)
                    for g, recs in self.records.items()}

    def first_ok_since(self, since):
        with self.lock:
            out = {}
            for g, recs in self.records.items():
                oks = [r for r in recs if r[0] >= since and r[3] == 'ok']
                out[g] = oks[0][0] - since if oks else None
            return out

    def summary(self):
        with self.lock:
            phases = []
            for recs in self.records.values():
                for r in recs:
                    if r[2] not in phases:
                        phases.append(r[2])
            lines = []
            for ph in phases:
                rs = [r for recs in self.records.values() for r in recs if r[2] == ph]
                by = {}
                for r in rs:
                    by[r[3]] = by.get(r[3], 0) + 1
                worst = max(r[1] for r in rs)
                msgs = sorted({r[4] for r in rs if r[3] == 'unavailable'})
                lines.append(f'  {ph}: {len(rs)} requests {by}, slowest {worst:.2f}s')
                for m in msgs[:6]:
                    lines.append(f'      503: {m[:240]}')
                if len(msgs) > 6:
                    lines.append(f'      ... {len(msgs) - 6} more distinct 503 messages')
            return '\n'.join(lines)


# ---- the collector, watched through the native API and /metrics ---------------------------------

METRIC_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)', re.MULTILINE)


def parse_metrics(text):
    out = {}
    for m in METRIC_RE.finditer(text):
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ''))
        try:
            out.setdefault(m.group(1), []).append((labels, float(m.group(3))))
        except ValueError:
            pass
    return out


def metric(metrics, name, **labels):
    for lab, v in metrics.get(name, []):
        if all(lab.get(k) == val for k, val in labels.items()):
            return v
    return None


def metric_sum(metrics, name, **labels):
    return sum(v for lab, v in metrics.get(name, [])
               if all(lab.get(k) == val for k, val in labels.items()))


class CollectorWatch:
    """Polls /api/v1/instances and /metrics every second; logs every change of health."""

    def __init__(self, server):
        self.server = server
        self.latest = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.problems = []
        self.slowest = 0.0

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=CLIENT_TIMEOUT_S * 2 + 5)

    def read(self):
        s1, t1, secs1 = http_get(self.server.port, '/api/v1/instances')
        s2, t2, secs2 = http_get(self.server.port, '/metrics')
        if s1 == -1 or s2 == -1:
            return None
        for path, s, secs in (('/api/v1/instances', s1, secs1), ('/metrics', s2, secs2)):
            self.slowest = max(self.slowest, secs)
            if s != 200 or secs > REQUEST_TIMEOUT_S + DEADLINE_MARGIN_S:
                self.problems.append(f'[{now():.3f}s] GET {path}: HTTP {s} in {secs:.2f}s '
                                     '(it reads the snapshot: 200 within the deadline, always)')
        if s1 != 200 or s2 != 200:
            return None
        inst = next((i for i in json.loads(t1).get('instances', []) if i.get('id') == INSTANCE),
                    None)
        health = (inst or {}).get('health') or {}
        m = parse_metrics(t2)
        return {
            'at': now(),
            'cycles': health.get('cycles'),
            'last_success_ms': health.get('last_success_ms'),
            'error': (health.get('last_cycle') or {}).get('error'),
            'failed_groups': (health.get('last_cycle') or {}).get('failed_groups'),
            'up': metric(m, 'kprogress_instance_up', cluster_name=INSTANCE),
            'last_success_metric': metric(m, 'kprogress_collector_last_success_timestamp_seconds',
                                          cluster_name=INSTANCE),
            'metrics': m,
        }

    def _run(self):
        prev = None
        while not self.stopping.is_set():
            if self.server.proc.poll() is not None:
                return
            s = self.read()
            if s:
                with self.lock:
                    self.latest = s
                key = (s['error'], s['up'], s['failed_groups'])
                if prev is None or key != prev:
                    log(f'collector: up={s["up"]} error={s["error"]!r} '
                        f'failed_groups={s["failed_groups"]} cycles={s["cycles"]} '
                        f'last_success_ms={s["last_success_ms"]}')
                    prev = key
            self.stopping.wait(1.0)

    def get(self):
        with self.lock:
            return self.latest

    def brief(self):
        s = self.get()
        if not s:
            return 'no answer yet'
        return (f'up={s["up"]} error={s["error"]!r} last_success_ms={s["last_success_ms"]} '
                f'cycles={s["cycles"]}')

    def healthy_since(self, wall_ms):
        """Up, no cycle error, and a success that ended after wall time `wall_ms`."""
        s = self.get()
        return bool(s and s['up'] == 1 and s['error'] is None and
                    (s['last_success_ms'] or 0) > wall_ms and
                    (s['last_success_metric'] or 0) * 1000 > wall_ms - 1000)

    def failing(self):
        s = self.get()
        return bool(s and s['up'] == 0 and s['error'])

    def sums_match(self, data):
        s = self.get()
        if not s:
            return False
        for g in data.groups:
            v = metric(s['metrics'], 'kafka_consumergroup_group_sum_lag', cluster_name=INSTANCE,
                       group=g)
            if v is None or int(v) != data.total_lag(g):
                return False
        return True


# ---- the scenario -----------------------------------------------------------------------------

class Scenario:
    def __init__(self, args):
        self.args = args
        self.kafka = Kafka(args.source_dir, args.name, args.bootstrap)
        self.data = None
        self.server = None
        self.probers = None
        self.collector = None
        self.missed = []  # expectations that failed; the scenario went on to learn more
        self.retired = []  # (server, probers, collector) that died, with --restart-after-death
        self.phase = 'start'

    def expect(self, check, *args):
        """Runs a check; when it fails (but kprogress lives), records the failure and goes on,
        so that one run reports everything the fault shows. The run fails at the end."""
        try:
            return check(*args)
        except KprogressDied:
            raise
        except Failure as e:
            self.missed.append(f'[+{now():.1f}s] {e}')
            log(f'EXPECTATION FAILED: {e}')
            return None

    def alive(self):
        try:
            self.server.alive()
        except KprogressDied as e:
            if not self.args.restart_after_death:
                raise
            self.missed.append(f'[+{now():.1f}s] {e}')
            log(f'FAILURE: {str(e).splitlines()[0]}; diagnosis (--restart-after-death): '
                'a new kprogress runs the rest of the scenario')
            self.probers.stop()
            if self.collector:
                self.collector.stop()
            self.retired.append((self.server, self.probers, self.collector))
            self.start_server()

    def start_server(self):
        self.server = Server(self.args.kprogress, self.args.work_dir, self.args.bootstrap,
                             self.args.scenario, collector=not self.args.no_collector,
                             gdb=self.args.gdb, run=len(self.retired) + 1)
        self.server.wait_serving()
        self.probers = Probers(self.server, self.data)
        self.probers.phase = self.phase
        self.collector = None if self.args.no_collector else CollectorWatch(self.server)
        self.probers.start()
        if self.collector:
            self.collector.start()

    def set_phase(self, phase):
        self.phase = phase
        self.probers.set_phase(phase)

    def servers(self):
        """Every (server, probers, collector) of the run, the dead ones first."""
        return self.retired + ([(self.server, self.probers, self.collector)]
                               if self.server else [])

    # -- cluster health --

    def start_nodes(self, nodes):
        """Starts the given down nodes. With no node running, a first node cannot become ready
        alone (it needs a quorum of 2 of 3), and `scripts/kafka start` waits for readiness while
        holding the cluster's lock; so the first one is launched with `start` in the background
        and that command (not the node) is ended once the node runs, and the others are then
        started one by one (the second makes the quorum)."""
        nodes = list(nodes)
        running = [n for n, s in self.kafka.states().items() if s != 'down']
        if not running and len(nodes) > 1:
            first = nodes.pop(0)
            t = time.monotonic()
            p = subprocess.Popen([self.kafka.script, 'start', str(first), '--name', self.kafka.name],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                wait_for(f'node {first} to run', lambda: self.kafka.states().get(first) == 'running',
                         30, 0.2)
            finally:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            log(f'cluster: node {first} launched (without waiting: it needs a quorum) in '
                f'{time.monotonic() - t:.1f}s')
        for n in nodes:
            self.kafka.node('start', n)

    def heal(self):
        """Every node running, every partition with all three replicas in sync."""
        states = self.kafka.states()
        for n, s in states.items():
            if s == 'frozen':
                self.kafka.node('cont', n)
        down = [n for n, s in states.items() if s == 'down']
        if down:
            self.start_nodes(down)

        def in_sync():
            parts = self.kafka.partitions()
            return parts is not None and all(len(isr) == 3 and leader > 0
                                             for leader, isr in parts.values())
        t = time.monotonic()
        wait_for('every partition to have 3 in-sync replicas', in_sync, SETTLE_TIMEOUT_S, 1.0)
        log(f'cluster: healthy (all nodes running, all replicas in sync) after '
            f'{time.monotonic() - t:.1f}s')

    # -- checks --

    def check_oracle(self, what):
        """kafka-consumer-groups agrees with the expected numbers, and a fresh kprogress answer
        agrees with both. Retries while the tool itself fails (it may, during a failover)."""
        t = time.monotonic()
        last = ['']

        def attempt():
            rows, text = self.kafka.describe_groups(self.data.groups)
            if rows is None:
                last[0] = text[-800:]
            return rows
        try:
            rows = wait_for('kafka-consumer-groups to answer', attempt, SETTLE_TIMEOUT_S, 1.0,
                            self.alive)
        except KprogressDied:
            raise
        except Failure as e:
            raise Failure(f'{what}: {e}; its last output:\n{last[0]}')
        problems = []
        for g in self.data.groups:
            exp = {k: (v[0], v[1], v[2]) for k, v in self.data.expected(g).items()}
            got = {k: v for k, v in rows[g].items() if v[0] is not None}
            if got != exp:
                problems.append(f'oracle for {g}: {sorted(got.items())} != expected '
                                f'{sorted(exp.items())}')
            status, text, secs = http_get(self.server.port, progress_path(g))
            body = json.loads(text) if status == 200 else None
            mism = body_mismatches(self.data, g, body) if body else [f'HTTP {status}: {text[:500]}']
            if mism:
                problems.append(f'kprogress for {g} right after the oracle: {"; ".join(mism)}')
        if problems:
            raise Failure(f'{what}: numbers disagree:\n  ' + '\n  '.join(problems))
        log(f'{what}: kafka-consumer-groups, the expected numbers and kprogress agree on all '
            f'{len(self.data.groups)} groups ({time.monotonic() - t:.1f}s)')

    def wait_converged(self, since, what):
        t = now()
        try:
            wait_for(f'every group to get {STREAK} exact answers in a row ({what})',
                     lambda: self.probers.converged(since), max(5, since + SETTLE_TIMEOUT_S - t),
                     0.2, self.alive)
        except KprogressDied:
            raise
        except Failure as e:
            coords = self.kafka.coordinators(self.data.groups)
            raise Failure(f'{e}\n  {self.probers.last_answers(since)}\n  coordinators according '
                          f'to kafka-consumer-groups now: {coords}')
        firsts = self.probers.first_ok_since(since)
        slowest = max(v for v in firsts.values() if v is not None)
        log(f'{what}: every group answered exactly, settled {now() - since:.1f}s after it began '
            f'({now() - t:.1f}s of waiting; first exact answer per group after {slowest:.1f}s at '
            f'most; 503s since: '
            f'{sum(self.probers.count_since(since, "unavailable").values())})')

    def advance_and_check(self, what):
        t = now()
        self.data.advance()
        log(f'{what}: data moved on (records appended, commits moved) in {now() - t:.1f}s')
        self.wait_converged(now(), f'{what}, new numbers')
        self.check_oracle(what)
        if self.collector:
            self.expect(self.wait_collector_lags, what)

    def wait_collector_lags(self, what):
        wait_for(f'the collector to report the new lags ({what}): '
                 f'kafka_consumergroup_group_sum_lag of every group; collector now: '
                 f'{self.collector.brief()}',
                 lambda: self.collector.sums_match(self.data), COLLECTOR_TIMEOUT_S, 0.5,
                 self.alive)
        log(f'{what}: the collector reports the new lags of every group')

    def wait_collector_healthy(self, since_wall_ms, what):
        if not self.collector:
            return
        t = now()
        try:
            wait_for('the collector to report a successful cycle (up=1, no error, last success '
                     f'after {what})', lambda: self.collector.healthy_since(since_wall_ms),
                     COLLECTOR_TIMEOUT_S, 0.5, self.alive)
        except KprogressDied:
            raise
        except Failure as e:
            raise Failure(f'{e}; collector now: {self.collector.brief()}')
        s = self.collector.get()
        log(f'collector healthy after {what} ({now() - t:.1f}s): up={s["up"]} '
            f'last_success_ms={s["last_success_ms"]}')

    def victim(self):
        coords = wait_for('the group coordinators (kafka-consumer-groups --describe --state)',
                          lambda: self.kafka.coordinators(self.data.groups), 60, 1.0, self.alive)
        parts = self.kafka.partitions('|'.join(re.escape(t) for t in self.data.topics))
        leads = {}
        for (t, p), (leader, _) in (parts or {}).items():
            leads.setdefault(leader, []).append(f'{t}-{p}')
        coordinates = {}
        for g, n in coords.items():
            coordinates.setdefault(n, []).append(g)
        for n in sorted(set(leads) | set(coordinates)):
            log(f'node {n}: leads {len(leads.get(n, []))} test partitions, coordinates '
                f'{len(coordinates.get(n, []))} test groups')
        candidates = [n for n in coordinates if leads.get(n)]
        if not candidates:
            raise Failure('no node both leads a test partition and coordinates a test group')
        n = max(candidates, key=lambda c: (len(coordinates[c]), len(leads[c])))
        log(f'victim: node {n} (coordinator of {", ".join(coordinates[n])}; leader of '
            f'{", ".join(leads[n])})')
        return n

    def http_answers(self):
        """{code: GetConsumerProgress answers counted so far} from kprogress_http_requests_total
        (route "/", which only the probers use)."""
        status, text, _ = http_get(self.server.port, '/metrics')
        if status != 200:
            raise Failure(f'GET /metrics: HTTP {status}: {text[:300]}')
        m = parse_metrics(text)
        return {code: metric_sum(m, 'kprogress_http_requests_total', route='/', code=code)
                for code in ('200', '503')}

    def check_http_metrics(self, before, since, what, want_200=True):
        """The failure and the recovery show in /metrics: every 503 the probers got since `since`
        is counted in kprogress_http_requests_total{code="503"}, and 200s are counted again."""
        after = self.http_answers()
        seen = sum(self.probers.count_since(since, 'unavailable').values())
        got_503 = after['503'] - before['503']
        got_200 = after['200'] - before['200']
        if got_503 < seen:
            raise Failure(f'{what}: the probers got {seen} 503 answers, but '
                          f'kprogress_http_requests_total{{code="503"}} grew by {got_503:.0f}')
        if want_200 and got_200 <= 0:
            raise Failure(f'{what}: kprogress_http_requests_total{{code="200"}} did not grow')
        log(f'{what}: /metrics counted {got_503:.0f} 503 answers (the probers saw {seen}) and '
            f'{got_200:.0f} 200 answers')

    # -- the scenarios --

    def run(self):
        scenario = self.args.scenario
        log(f'scenario {scenario} on cluster {self.args.name} ({self.args.bootstrap})')
        self.heal()
        self.data = Data(self.args.fault_data, self.args.bootstrap, scenario)
        self.data.create()
        log(f'data: topics {self.data.topics} (replication factor 3), groups {self.data.groups} '
            '(one per __consumer_offsets partition)')
        self.phase = 'baseline'
        self.start_server()
        log(f'=== phase: {self.phase}')
        self.wait_converged(0, 'baseline')
        self.wait_collector_healthy(0, 'start-up')
        self.check_oracle('baseline')

        if scenario == 'kill-leader':
            self.single_node_fault('kill', 'start')
        elif scenario == 'freeze':
            self.single_node_fault('stop', 'cont')
        else:
            self.all_down()

        self.set_phase('end')
        self.alive()
        if not self.retired:
            log(f'kprogress pid {self.server.proc.pid} served the whole scenario without restart')

    def single_node_fault(self, inject, restore):
        n = self.victim()
        self.set_phase(f'{inject} node {n}')
        answers = self.http_answers()
        t_fault = now()
        self.kafka.node(inject, n)
        self.kafka.out = n
        state = 'down' if inject == 'kill' else 'frozen'
        # While the node is out, the other two have every partition and every group: kprogress
        # must come back to the exact numbers, and follow them when the data moves.
        self.expect(self.wait_converged, t_fault, f'after {inject} of node {n}')
        self.expect(self.check_http_metrics, answers, t_fault, f'node {n} {state}')
        self.expect(self.check_oracle, f'node {n} {state}')
        parts = self.kafka.partitions('|'.join(re.escape(t) for t in self.data.topics))
        coords = self.kafka.coordinators(self.data.groups)
        log('according to Kafka now: leaders of the test partitions on nodes ' +
            (str(sorted({leader for leader, _ in parts.values()})) if parts else
             'unknown (kafka-topics failed)') + ', coordinators of the test groups on nodes ' +
            (str(sorted(set(coords.values()))) if coords else
             'unknown (kafka-consumer-groups failed)'))
        self.expect(self.advance_and_check, f'node {n} {state}')
        self.expect(self.wait_collector_healthy, int(time.time() * 1000),
                    f'the data moved while node {n} was {state}')

        self.set_phase(f'{restore} node {n}')
        answers = self.http_answers()
        t_restore = now()
        wall = int(time.time() * 1000)
        self.kafka.node(restore, n)
        self.kafka.out = None
        self.heal()
        self.wait_converged(t_restore, f'after {restore} of node {n}')
        self.expect(self.check_http_metrics, answers, t_restore, f'node {n} back')
        self.expect(self.wait_collector_healthy, wall, f'{restore} of node {n}')
        self.check_oracle(f'node {n} back')
        self.advance_and_check(f'node {n} back')

    def all_down(self):
        coords = self.kafka.coordinators(self.data.groups) or {}
        order = sorted(self.kafka.states())
        self.set_phase('all nodes down')
        answers = self.http_answers()
        for n in order:
            self.kafka.node('kill', n)
        t_down = now()
        wall_down = int(time.time() * 1000)
        log(f'all nodes down (coordinators were {sorted(set(coords.values()))})')

        def all_errors():
            c = self.probers.count_since(t_down, 'unavailable')
            return all(v >= STREAK for v in c.values())
        wait_for(f'every group to get {STREAK} 503 answers', all_errors, SETTLE_TIMEOUT_S, 0.2,
                 self.alive)
        oks = self.probers.count_since(t_down, 'ok')
        if any(oks.values()):
            raise Failure(f'200 answers while no broker ran (requests sent after the last kill): '
                          f'{oks}; kprogress cannot know the numbers then')
        log(f'every group answered 503 within the deadline ({STREAK}+ times each)')
        self.expect(self.check_http_metrics, answers, t_down, 'all nodes down', False)
        if self.collector:
            wait_for('the collector to report the failure (kprogress_instance_up 0, '
                     'last_cycle.error set)', self.collector.failing, COLLECTOR_TIMEOUT_S, 0.5,
                     self.alive)
            s = self.collector.get()
            log(f'collector reports the failure: error={s["error"]!r} '
                f'last_success_ms={s["last_success_ms"]}')
            if (s['last_success_ms'] or 0) > wall_down + int(REQUEST_TIMEOUT_S * 1000) + 2000:
                raise Failure(f'last_success_ms {s["last_success_ms"]} is after all nodes went '
                              f'down ({wall_down}) + a cycle')
        # Stay down a little longer than one request_timeout, to see the deadlines hold.
        t = now()
        wait_for('one more request_timeout of the outage',
                 lambda: now() - t > REQUEST_TIMEOUT_S + 1, 30, 0.5, self.alive)

        self.set_phase('all nodes back')
        answers = self.http_answers()
        t_up = now()
        wall_up = int(time.time() * 1000)
        self.start_nodes(order)
        self.heal()
        self.wait_converged(t_up, 'after all nodes came back')
        self.expect(self.check_http_metrics, answers, t_up, 'all nodes back')
        self.expect(self.wait_collector_healthy, wall_up, 'all nodes came back')
        self.check_oracle('all nodes back')
        self.advance_and_check('all nodes back')

    def finish(self):
        """Stops the server and the pollers; heals the cluster for the next scenario."""
        problems = []
        if self.probers:
            self.probers.stop()
        if self.collector:
            self.collector.stop()
            problems += self.collector.problems
        if self.server:
            try:
                self.server.alive()
                self.server.stop()
                log('kprogress drained and exited 0 on SIGTERM')
            except Failure as e:
                problems.append(str(e))
            finally:
                self.server.kill()
        try:
            self.heal()
            if self.data:
                self.data.delete()
        except Failure as e:
            problems.append(f'cleanup: {e}')
        return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('scenario', choices=['kill-leader', 'freeze', 'all-down'])
    ap.add_argument('--kprogress', required=True, help='the kprogress binary')
    ap.add_argument('--fault-data', required=True, help='the fault_data helper binary')
    ap.add_argument('--source-dir', required=True)
    ap.add_argument('--name', required=True, help='scripts/kafka --name of the cluster')
    ap.add_argument('--bootstrap', required=True)
    ap.add_argument('--work-dir', required=True)
    ap.add_argument('--no-collector', action='store_true',
                    help='diagnosis only: serve with [collector] enabled = false (fresh queries '
                         'alone), and skip the collector checks')
    ap.add_argument('--restart-after-death', action='store_true',
                    help='diagnosis only: when kprogress dies (a failure all the same), start a '
                         'new one and go on, to see how the rest of the scenario fares')
    ap.add_argument('--gdb', action='store_true',
                    help='diagnosis only: run kprogress under gdb, which prints the backtraces '
                         'of all threads into its log when it crashes')
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)

    sc = Scenario(args)
    failure = None
    try:
        sc.run()
    except Failure as e:
        failure = str(e)
    except Exception as e:  # a bug of the driver: still report, still clean up
        failure = f'driver error: {type(e).__name__}: {e}'
        import traceback
        traceback.print_exc()
    problems = [p for p in sc.finish() if not failure or p not in failure]
    deaths = sum(1 for server, _, _ in sc.servers() if server.death)
    aborts = sum(1 for server, _, _ in sc.servers() if server.aborted())
    violations = []
    for k, (server, probers, collector) in enumerate(sc.servers(), 1):
        which = f' (kprogress #{k}, pid {server.proc.pid})' if len(sc.servers()) > 1 else ''
        if probers:
            print(f'GetConsumerProgress requests by phase{which}:\n' + probers.summary(),
                  flush=True)
            violations += probers.violations
        if collector:
            print(f'/api/v1/instances and /metrics{which}: slowest answer '
                  f'{collector.slowest:.2f}s', flush=True)
    if violations:
        print(f'{len(violations)} VIOLATIONS (request, response, why):', flush=True)
        for v in violations[:20]:
            print('  ' + v, flush=True)
    all_problems = sc.missed + ([failure] if failure else []) + \
        (['contract violations above'] if violations else []) + problems
    for p in all_problems:
        print(f'FAILURE: {p}', flush=True)
    status = 'FAIL' if all_problems else 'PASS'
    print(f'RESULT scenario={args.scenario} status={status} '
          f'kprogress_abort={"yes" if aborts else "no"} kprogress_deaths={deaths} '
          f'duration_s={now():.0f}', flush=True)
    return 1 if all_problems else 0


if __name__ == '__main__':
    sys.exit(main())
