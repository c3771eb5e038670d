#!/usr/bin/env python3
"""kprogress's /metrics through a real Prometheus, checked against Kafka's own tools.

On the cluster of the `kafka` fixture the driver
  1. creates a topic with three partitions and writes a planned number of records to each
     (console-producer, keys chosen by Kafka's murmur2 partitioner), then commits offsets for a
     group that never consumes (consumer-groups --reset-offsets --from-file): partition 0 and 2
     lag, partition 1 is caught up;
  2. asks kafka-consumer-groups --describe (the independent oracle) for each partition's LAG;
  3. starts `kprogress serve` (listen port 0, collector every second, auth off on loopback) and a
     Prometheus that scrapes its /metrics every second;
  4. waits, with a deadline, until Prometheus's query API returns the group's
     kafka_consumergroup_group_lag series, and checks:
       - kafka_consumergroup_group_lag == the oracle's LAG, partition by partition;
       - kafka_consumergroup_group_offset == CURRENT-OFFSET, kafka_partition_latest_offset ==
         LOG-END-OFFSET, kafka_consumergroup_group_sum_lag == the sum of LAG;
       - kafka_consumergroup_group_lag_seconds is there for every partition, > 0 where the group
         lags (and no older than the test's records), 0 where it is caught up;
       - up{job="kprogress"} and kprogress_instance_up are 1;
     and runs `promtool check metrics` on the live /metrics body.
Processes it started are stopped on every exit (and die with it: PR_SET_PDEATHSIG). The last line
is `RESULT status=PASS|FAIL duration_s=N`, preceded by every failed check.
"""

import argparse
import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

PARTITIONS = 3
RECORDS = [10, 6, 4]    # records written to partitions 0, 1, 2
COMMITS = [4, 6, 1]     # the group's committed offsets: lag 6, 0, 3
SERIES_TIMEOUT_S = 120  # kprogress cycle + Prometheus scrape, on a loaded two-core machine
TOOL_TIMEOUT_S = 120    # one run of a Kafka tool (a JVM start included)
START_TIMEOUT_S = 60    # kprogress or Prometheus listening

T0 = time.monotonic()


def log(msg):
    print(f'[{time.monotonic() - T0:7.2f}s] {msg}', flush=True)


class Failure(Exception):
    pass


def wait_for(what, condition, timeout, interval=0.25):
    """Polls `condition` until it returns a true value (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = condition()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Failure(f'timed out after {timeout:.0f}s waiting for {what}')
        time.sleep(interval)


def die_with_parent():
    """preexec_fn: the child gets SIGTERM when the driver dies, even by SIGKILL (a CTest timeout)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def murmur2(data):
    """Kafka's Utils.murmur2 (the default partitioner's hash of a record key)."""
    m, r = 0x5bd1e995, 24
    length = len(data)
    h = (0x9747b28c ^ length) & 0xffffffff
    for i in range(0, length - length % 4, 4):
        k = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k = (k * m) & 0xffffffff
        k ^= k >> r
        k = (k * m) & 0xffffffff
        h = (h * m) & 0xffffffff
        h ^= k
    rest = length % 4
    tail = length - rest
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & 0xffffffff
    h ^= h >> 13
    h = (h * m) & 0xffffffff
    h ^= h >> 15
    return h


def partition_of(key, partitions):
    return (murmur2(key.encode()) & 0x7fffffff) % partitions


def keys_for(partition, count, partitions):
    """`count` distinct keys that Kafka's default partitioner sends to `partition`."""
    out, i = [], 0
    while len(out) < count:
        k = f'k{i}'
        if partition_of(k, partitions) == partition:
            out.append(k)
        i += 1
    return out


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode('utf-8')


class Driver:
    def __init__(self, args):
        self.args = args
        self.kafka = os.path.join(args.source_dir, 'scripts', 'kafka')
        self.suffix = ''.join(random.choice(string.ascii_lowercase + string.digits)
                              for _ in range(8))
        self.topic = f'kp-prom-{self.suffix}'
        self.group = f'kp-prom-group-{self.suffix}'
        self.instance = 'kp-prom'
        os.makedirs(args.work_dir, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix='run-', dir=args.work_dir)
        self.procs = []  # (name, Popen, log path)
        self.produced_from = None
        self.failures = []
        self.kprogress_url = None
        self.prometheus_url = None

    # ---- Kafka's own tools ----

    def tool(self, args, stdin=None):
        cmd = [self.kafka, 'tool'] + args
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                           timeout=TOOL_TIMEOUT_S, preexec_fn=die_with_parent)
        if p.returncode != 0:
            raise Failure(f'{" ".join(cmd)} exited {p.returncode}:\n{p.stdout}{p.stderr}')
        return p.stdout

    def make_data(self):
        b = self.args.bootstrap
        self.tool(['topics', '--bootstrap-server', b, '--create', '--topic', self.topic,
                   '--partitions', str(PARTITIONS), '--replication-factor', '1'])
        lines = []
        for p, n in enumerate(RECORDS):
            lines += [f'{k}:value-{p}-{i}' for i, k in enumerate(keys_for(p, n, PARTITIONS))]
        # --property is deprecated in 4.x (for --reader-property) but understood by 3.9 and 4.x.
        self.produced_from = time.time()  # no record of the test is older
        self.tool(['console-producer', '--bootstrap-server', b, '--topic', self.topic,
                   '--property', 'parse.key=true', '--property', 'key.separator=:'],
                  stdin='\n'.join(lines) + '\n')
        offsets = os.path.join(self.work, 'offsets.csv')
        with open(offsets, 'w') as f:
            for p, c in enumerate(COMMITS):
                f.write(f'{self.topic},{p},{c}\n')
        self.tool(['consumer-groups', '--bootstrap-server', b, '--reset-offsets',
                   '--group', self.group, '--from-file', offsets, '--execute'])
        log(f'topic {self.topic}: records {RECORDS}; group {self.group}: commits {COMMITS}')

    def oracle(self):
        """kafka-consumer-groups --describe: {partition: (current, log_end, lag)}."""
        out = self.tool(['consumer-groups', '--bootstrap-server', self.args.bootstrap,
                         '--describe', '--group', self.group])
        rows, header = {}, None
        for line in out.splitlines():
            cols = line.split()
            if cols[:2] == ['GROUP', 'TOPIC']:
                header = cols
                continue
            if header and len(cols) == len(header) and cols[1] == self.topic:
                r = dict(zip(header, cols))
                rows[int(r['PARTITION'])] = (int(r['CURRENT-OFFSET']), int(r['LOG-END-OFFSET']),
                                             int(r['LAG']))
        if sorted(rows) != list(range(PARTITIONS)):
            raise Failure(f'kafka-consumer-groups --describe: no row per partition:\n{out}')
        return rows

    def cleanup_data(self):
        b = self.args.bootstrap
        for args in (['consumer-groups', '--bootstrap-server', b, '--delete', '--group',
                      self.group],
                     ['topics', '--bootstrap-server', b, '--delete', '--topic', self.topic]):
            try:
                self.tool(args)
            except (Failure, subprocess.TimeoutExpired) as e:
                log(f'cleanup (not a failure): {e}')

    # ---- processes ----

    def start(self, name, cmd):
        path = os.path.join(self.work, f'{name}.log')
        f = open(path, 'w')
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                             preexec_fn=die_with_parent)
        f.close()
        self.procs.append((name, p, path))
        return p, path

    def alive(self, name, p, path):
        if p.poll() is not None:
            raise Failure(f'{name} exited {p.returncode}:\n{tail(path)}')

    def start_kprogress(self):
        config = os.path.join(self.work, 'kprogress.toml')
        with open(config, 'w') as f:
            f.write(f'''[server]
listen = "127.0.0.1:0"
request_timeout = "10s"

[auth]
enabled = false

[collector]
interval = "1s"
cycle_timeout = "5s"
include = ["{self.group}"]

[[instance]]
id = "{self.instance}"
region = "local"
bootstrap = "{self.args.bootstrap}"
''')
        p, path = self.start('kprogress', [self.args.kprogress, 'serve', '--config', config])
        serving = re.compile(r'kprogress serving on http://127\.0\.0\.1:(\d+)')

        def port():
            self.alive('kprogress', p, path)
            m = serving.search(open(path, errors='replace').read())
            return m and int(m.group(1))
        self.kprogress_url = f'http://127.0.0.1:{wait_for("kprogress to listen", port, START_TIMEOUT_S)}'
        log(f'kprogress serving on {self.kprogress_url}')

    def start_prometheus(self):
        config = os.path.join(self.work, 'prometheus.yml')
        target = self.kprogress_url.removeprefix('http://')
        with open(config, 'w') as f:
            f.write(f'''global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kprogress
    static_configs:
      - targets: ['{target}']
''')
        port = free_port()
        p, path = self.start('prometheus', [
            self.args.prometheus, f'--config.file={config}',
            f'--storage.tsdb.path={os.path.join(self.work, "tsdb")}',
            f'--web.listen-address=127.0.0.1:{port}', '--log.level=warn'])
        self.prometheus_url = f'http://127.0.0.1:{port}'

        def ready():
            self.alive('prometheus', p, path)
            try:
                return http_get(self.prometheus_url + '/-/ready', timeout=2)[0] == 200
            except (urllib.error.URLError, OSError):
                return False
        wait_for('Prometheus to be ready', ready, START_TIMEOUT_S)
        log(f'prometheus ready on {self.prometheus_url}, scraping {target} every 1s')

    def stop_all(self):
        for name, p, path in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    # ---- checks ----

    def query(self, promql):
        """The instant vector of `promql` as [(labels, value)]."""
        url = self.prometheus_url + '/api/v1/query?' + urllib.parse.urlencode({'query': promql})
        status, body = http_get(url)
        data = json.loads(body)
        if data.get('status') != 'success':
            raise Failure(f'{promql}: {body}')
        return [(r['metric'], float(r['value'][1])) for r in data['data']['result']]

    def by_partition(self, metric):
        return {int(m['partition']): v
                for m, v in self.query(f'{metric}{{group="{self.group}"}}')}

    def check(self, what, ok, detail=''):
        log(f'{"ok  " if ok else "FAIL"} {what}' + (f': {detail}' if detail and not ok else ''))
        if not ok:
            self.failures.append(f'{what}: {detail}')

    def targets_error(self):
        try:
            data = json.loads(http_get(self.prometheus_url + '/api/v1/targets')[1])
            return '; '.join(f'{t["scrapeUrl"]} health={t["health"]} lastError={t["lastError"]!r}'
                             for t in data['data']['activeTargets'])
        except Exception as e:  # diagnostics only
            return f'(targets unavailable: {e})'

    def run(self):
        self.make_data()
        oracle = self.oracle()
        log(f'oracle (partition: current, log-end, lag): {oracle}')
        self.check('the oracle agrees with the plan',
                   all(oracle[p] == (COMMITS[p], RECORDS[p], RECORDS[p] - COMMITS[p])
                       for p in range(PARTITIONS)), f'{oracle}')
        self.start_kprogress()
        self.start_prometheus()

        def series():
            for name, p, path in self.procs:
                self.alive(name, p, path)
            lag = self.by_partition('kafka_consumergroup_group_lag')
            return len(lag) == PARTITIONS and lag
        t = time.monotonic()
        try:
            lag = wait_for('Prometheus to return kafka_consumergroup_group_lag for every partition',
                           series, SERIES_TIMEOUT_S, interval=0.5)
        except Failure as e:
            raise Failure(f'{e}\n  targets: {self.targets_error()}')
        log(f'series in Prometheus after {time.monotonic() - t:.1f}s: lag {lag}')

        want_lag = {p: float(oracle[p][2]) for p in oracle}
        self.check('kafka_consumergroup_group_lag == kafka-consumer-groups LAG', lag == want_lag,
                   f'prometheus {lag} oracle {want_lag}')
        offset = self.by_partition('kafka_consumergroup_group_offset')
        want_offset = {p: float(oracle[p][0]) for p in oracle}
        self.check('kafka_consumergroup_group_offset == CURRENT-OFFSET', offset == want_offset,
                   f'prometheus {offset} oracle {want_offset}')
        latest = {int(m['partition']): v for m, v in self.query(
            f'kafka_partition_latest_offset{{topic="{self.topic}"}}')}
        want_latest = {p: float(oracle[p][1]) for p in oracle}
        self.check('kafka_partition_latest_offset == LOG-END-OFFSET', latest == want_latest,
                   f'prometheus {latest} oracle {want_latest}')
        total = self.query(f'kafka_consumergroup_group_sum_lag{{group="{self.group}"}}')
        want_total = float(sum(r[2] for r in oracle.values()))
        self.check('kafka_consumergroup_group_sum_lag == sum of LAG',
                   [v for _, v in total] == [want_total], f'prometheus {total} oracle {want_total}')

        # Lag in seconds: the age of the oldest unconsumed record, written by this test, so no
        # older than the time since it started producing (1 s for rounding of timestamps).
        age_limit = time.time() - self.produced_from + 1
        seconds = wait_for('kafka_consumergroup_group_lag_seconds for every partition',
                           lambda: (lambda s: len(s) == PARTITIONS and s)(
                               self.by_partition('kafka_consumergroup_group_lag_seconds')),
                           SERIES_TIMEOUT_S, interval=0.5)
        log(f'lag seconds in Prometheus: {seconds}')
        for p in range(PARTITIONS):
            v = seconds[p]
            if oracle[p][2] > 0:
                self.check(f'lag_seconds of lagging partition {p} in (0, {age_limit:.0f}]',
                           0 < v <= age_limit, f'{v}')
            else:
                self.check(f'lag_seconds of caught-up partition {p} == 0', v == 0, f'{v}')

        up = self.query('up{job="kprogress"}')
        self.check('up{job="kprogress"} == 1', [v for _, v in up] == [1.0], f'{up}')
        inst = self.query(f'kprogress_instance_up{{cluster_name="{self.instance}"}}')
        self.check('kprogress_instance_up == 1', [v for _, v in inst] == [1.0], f'{inst}')

        status, body = http_get(self.kprogress_url + '/metrics')
        p = subprocess.run([self.args.promtool, 'check', 'metrics'], input=body,
                           capture_output=True, text=True, timeout=60)
        self.check(f'promtool check metrics on the live /metrics ({len(body)} bytes)',
                   status == 200 and p.returncode == 0,
                   f'status {status}, promtool exit {p.returncode}: {p.stdout}{p.stderr}')


def tail(path, lines=40):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError as e:
        return f'({e})'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--kprogress', required=True)
    ap.add_argument('--source-dir', required=True)
    ap.add_argument('--bootstrap', required=True)
    ap.add_argument('--work-dir', required=True)
    ap.add_argument('--prometheus', default='prometheus')
    ap.add_argument('--promtool', default='promtool')
    args = ap.parse_args()
    for tool in (args.prometheus, args.promtool):
        if not shutil.which(tool):
            print(f'RESULT status=FAIL: {tool} not found (Debian package prometheus, '
                  'installed by scripts/install-deps)', flush=True)
            return 1

    def stop(signum, frame):
        raise Failure(f'signal {signum}')
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    d = Driver(args)
    ok = False
    try:
        d.run()
        ok = not d.failures
    except (Failure, subprocess.TimeoutExpired, urllib.error.URLError, OSError) as e:
        d.failures.append(str(e))
        log(f'FAIL {e}')
    finally:
        d.stop_all()
        if not ok:
            for name, _, path in d.procs:
                print(f'---- {name} log ({path}), last lines ----\n{tail(path)}', flush=True)
        d.cleanup_data()
        if ok:
            shutil.rmtree(d.work, ignore_errors=True)
    for f in d.failures:
        print(f'FAILED: {f}', flush=True)
    print(f'RESULT status={"PASS" if ok else "FAIL"} duration_s={time.monotonic() - T0:.1f}',
          flush=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
