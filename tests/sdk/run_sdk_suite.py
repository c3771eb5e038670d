#!/usr/bin/env python3
"""Runs Alibaba's real SDK clients (python_sdk_test.py, node_sdk_test.js) against build/kprogress
on a real Kafka, with the expected progress taken from Kafka's own tools. CTest runs it (tests
sdk_python, sdk_node, sdk_https in tests/sdk/CMakeLists.txt); Python stdlib only.

  run_sdk_suite.py --binary build/kprogress --bootstrap 127.0.0.1:39092 --source-dir . \\
                   --work-dir build/tests/sdk/sdk_python --clients python [--https] [--keep]

Steps, each with a deadline (no fixed sleeps):
 1. A uniquely named topic with 3 partitions and a uniquely named group, made with Kafka's own
    tools (scripts/kafka tool ...): keyed records from console-producer in two batches (so that
    the record just below partition 0's commit and the one at the commit were produced seconds
    apart and a LastTimestamp read one record off shows), then committed offsets set with
    `consumer-groups --reset-offsets --to-offset N --topic T:P --execute`: partition 0 at the end
    of the first batch, partition 1 at 0, partition 2 never committed.
 2. The expectation (KP_EXPECT) from the independent oracle: `consumer-groups --describe` for
    CURRENT-OFFSET / LOG-END-OFFSET / LAG, and `console-consumer --partition P --offset C-1`
    with print.timestamp for each LastTimestamp (0 for a commit at 0). kprogress omits partitions
    without a commit, and so does --describe of a group without members.
 3. A config with one access key whose secret comes from secret_env (a fresh random secret), and
    with --https a [server.tls] listener whose certificate is issued here by a throw-away CA made
    with the openssl CLI; the clients trust that CA through their own options (Tea `ca`,
    aliyun-python-sdk-core `verify`, pop-core/httpx `ca`), not by turning verification off.
 4. kprogress serve on port 0 (the ports are read from its "serving on" line), /healthz polled.
 5. Each client script with KP_ENDPOINT ... KP_EXPECT; its output is printed as it runs.
 6. SIGTERM to the server, which must drain and exit 0.
 7. The topic and the group are deleted (unless --keep).
Exit status: 0 when every client script passed and the server stopped cleanly, 1 otherwise.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

INSTANCE = 'alikafka_pre-cn-kprogress-sdk'
REGION = 'cn-hangzhou'
ACCESS_KEY = 'kp-sdk-test'
SECRET_ENV = 'KP_SDK_TEST_SECRET'
ERR_INSTANCE = 'InvalidInstanceId.NotFound'
ERR_GROUP = 'InvalidConsumerId.NotFound'
PARTITIONS = 3
TOOL_TIMEOUT = 180
STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 30  # request_timeout (10s) + drain grace (1s) + margin
CLIENT_TIMEOUT = 600


class Failure(Exception):
    pass


def log(msg):
    print(f'[sdk-suite] {msg}', flush=True)


class Kafka:
    """Kafka's own tools, through scripts/kafka tool, as the independent oracle."""

    def __init__(self, source_dir, bootstrap):
        self.script = os.path.join(source_dir, 'scripts', 'kafka')
        self.bootstrap = bootstrap

    def tool(self, name, *args, stdin=None, check=True):
        cmd = [self.script, 'tool', name, '--bootstrap-server', self.bootstrap, *args]
        started = time.monotonic()
        try:
            out = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                                 timeout=TOOL_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure(f'kafka tool {name} {" ".join(args)}: no answer in {TOOL_TIMEOUT}s')
        log(f'kafka tool {name} {" ".join(args)} -> {out.returncode} '
            f'({time.monotonic() - started:.1f}s)')
        if check and out.returncode != 0:
            raise Failure(f'kafka tool {name} failed ({out.returncode}):\n{out.stdout}{out.stderr}')
        return out.stdout

    def end_offsets(self, topic):
        out = self.tool('get-offsets', '--topic', topic, '--time', '-1')
        ends = {}
        for line in out.splitlines():
            m = re.fullmatch(re.escape(topic) + r':(\d+):(\d+)', line.strip())
            if m:
                ends[int(m.group(1))] = int(m.group(2))
        if sorted(ends) != list(range(PARTITIONS)):
            raise Failure(f'get-offsets of {topic}: unexpected output\n{out}')
        return ends

    def produce(self, topic, keys):
        lines = ''.join(f'{k}:value-of-{k}\n' for k in keys)
        self.tool('console-producer', '--topic', topic, '--property', 'parse.key=true',
                  '--property', 'key.separator=:', stdin=lines)

    def describe(self, group):
        """consumer-groups --describe -> {(topic, partition): (current, log_end, lag)}; partitions
        without a commit ('-') are left out."""
        out = self.tool('consumer-groups', '--describe', '--group', group)
        rows = {}
        header = None
        for line in out.splitlines():
            cols = line.split()
            if not cols:
                continue
            if cols[0] == 'GROUP':
                header = cols
                continue
            if header is None or cols[0] != group or len(cols) != len(header):
                continue
            r = dict(zip(header, cols))
            if r['CURRENT-OFFSET'] == '-':
                continue
            rows[(r['TOPIC'], int(r['PARTITION']))] = (
                int(r['CURRENT-OFFSET']), int(r['LOG-END-OFFSET']),
                None if r['LAG'] == '-' else int(r['LAG']))
        if not rows:
            raise Failure(f'consumer-groups --describe --group {group}: no committed partitions\n{out}')
        return rows

    def records_from(self, topic, partition, offset, count):
        """[(offset, timestamp)] of `count` records from `offset` (console-consumer)."""
        out = self.tool('console-consumer', '--topic', topic, '--partition', str(partition),
                        '--offset', str(offset), '--max-messages', str(count),
                        '--timeout-ms', '60000', '--property', 'print.timestamp=true',
                        '--property', 'print.offset=true', '--property', 'print.value=false')
        records = []
        for line in out.splitlines():
            ts = re.search(r'CreateTime:(-?\d+)', line)
            off = re.search(r'Offset:(\d+)', line)
            if ts and off:
                records.append((int(off.group(1)), int(ts.group(1))))
        if len(records) != count or records[0][0] != offset:
            raise Failure(f'console-consumer {topic}-{partition} from {offset}: expected {count} '
                          f'records from offset {offset}, got {records}\n{out}')
        return records


def prepare_group(kafka, topic, group):
    """Makes the topic and the group; returns the expectation (KP_EXPECT's content)."""
    kafka.tool('topics', '--create', '--topic', topic, '--partitions', str(PARTITIONS),
               '--replication-factor', '1')
    # Keyed records, so every partition gets some (the default partitioner hashes the key, and
    # these fixed keys spread over all 3 partitions). Two batches: the second producer starts
    # after the first has exited, so its records carry later timestamps.
    kafka.produce(topic, [f'first-{i}' for i in range(30)])
    first = kafka.end_offsets(topic)
    kafka.produce(topic, [f'second-{i}' for i in range(30)])
    ends = kafka.end_offsets(topic)
    if first[0] < 2 or ends[0] <= first[0] or ends[1] < 1:
        raise Failure(f'the keys did not spread over the partitions as needed: {first} then {ends}')
    # Partition 0: committed at the end of the first batch (lag = the second batch there).
    # Partition 1: committed at 0 (nothing consumed: LastTimestamp 0). Partition 2: no commit.
    commits = {0: first[0], 1: 0}
    for p, offset in commits.items():
        kafka.tool('consumer-groups', '--group', group, '--reset-offsets', '--to-offset',
                   str(offset), '--topic', f'{topic}:{p}', '--execute')

    # The oracle.
    rows = kafka.describe(group)
    parts = {}
    total = 0
    for (t, p), (current, log_end, lag) in sorted(rows.items()):
        if t != topic:
            raise Failure(f'--describe shows a topic the test did not use: {t}')
        if current != commits.get(p) or log_end != ends[p]:
            raise Failure(f'--describe {t}-{p}: CURRENT-OFFSET {current} LOG-END-OFFSET {log_end}, '
                          f'but the test committed {commits.get(p)} and get-offsets says {ends[p]}')
        if lag is not None and lag != log_end - current:
            raise Failure(f'--describe {t}-{p}: LAG {lag} != {log_end} - {current}')
        if current == 0:
            last_ts = 0
        else:
            # The record just below the commit is the oracle; the one at the commit only shows
            # that the check is sensitive (it must carry a different timestamp).
            (below, below_ts), (_, at_ts) = kafka.records_from(topic, p, current - 1, 2)
            if at_ts == below_ts:
                raise Failure(f'{t}-{p}: records {current - 1} and {current} share timestamp '
                              f'{at_ts}; the LastTimestamp check would not see an off-by-one')
            last_ts = below_ts
        parts[str(p)] = {'BrokerOffset': log_end, 'ConsumerOffset': current,
                         'LastTimestamp': last_ts}
        total += log_end - current
    if sorted(parts) != sorted(str(p) for p in commits):
        raise Failure(f'--describe shows partitions {sorted(parts)}, the test committed '
                      f'{sorted(commits)}')
    return {'TotalDiff': total, 'topics': {topic: parts}}


def cleanup_group(kafka, topic, group):
    for args in (('consumer-groups', '--delete', '--group', group),
                 ('topics', '--delete', '--topic', topic)):
        try:
            kafka.tool(*args, check=False)
        except Failure as e:
            log(f'cleanup: {e}')


def make_certificates(directory):
    """A throw-away CA and a server certificate for 127.0.0.1/localhost that it signs."""
    openssl = shutil.which('openssl')
    if not openssl:
        raise Failure('the openssl CLI is needed for the HTTPS test (Debian: apt-get install openssl)')
    os.makedirs(directory, exist_ok=True)
    ca_key, ca_pem = os.path.join(directory, 'ca.key'), os.path.join(directory, 'ca.pem')
    key, csr, pem = (os.path.join(directory, n) for n in ('server.key', 'server.csr', 'server.pem'))
    ext = os.path.join(directory, 'server.ext')
    with open(ext, 'w') as f:
        f.write('basicConstraints = critical, CA:FALSE\n'
                'keyUsage = critical, digitalSignature, keyEncipherment\n'
                'extendedKeyUsage = serverAuth\n'
                'subjectAltName = IP:127.0.0.1, DNS:localhost\n'
                'subjectKeyIdentifier = hash\n'
                'authorityKeyIdentifier = keyid\n')
    steps = [
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
         '-keyout', ca_key, '-out', ca_pem, '-days', '2', '-subj', '/CN=kprogress sdk test CA',
         '-addext', 'basicConstraints=critical,CA:TRUE',
         '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
        ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
         '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1'],
        ['x509', '-req', '-in', csr, '-CA', ca_pem, '-CAkey', ca_key, '-CAcreateserial',
         '-out', pem, '-days', '2', '-extfile', ext],
    ]
    for args in steps:
        out = subprocess.run([openssl, *args], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise Failure(f'openssl {" ".join(args)} failed:\n{out.stdout}{out.stderr}')
    log(f'certificates: CA {ca_pem}, server {pem}')
    return ca_pem, pem, key


def toml_str(s):
    return json.dumps(s)  # a JSON string of plain text is a valid TOML basic string


def write_config(path, bootstrap, tls):
    lines = [
        '# Written by tests/sdk/run_sdk_suite.py for one test run.',
        '[server]',
        'listen = "127.0.0.1:0"',
        'request_timeout = "10s"',
    ]
    if tls:
        _, cert, key = tls
        lines += ['', '[server.tls]', 'listen = "127.0.0.1:0"',
                  f'cert = {toml_str(cert)}', f'key = {toml_str(key)}']
    lines += [
        '', '[auth]', 'enabled = true',
        '', '[[access_key]]', f'id = {toml_str(ACCESS_KEY)}',
        f'secret_env = {toml_str(SECRET_ENV)}', f'instances = [{toml_str(INSTANCE)}]',
        '', '[[instance]]', f'id = {toml_str(INSTANCE)}', f'region = {toml_str(REGION)}',
        f'bootstrap = {toml_str(bootstrap)}',
    ]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


class Server:
    """build/kprogress serve on port 0; the ports come from its start-up line."""

    LINE = re.compile(r'kprogress serving on http://([^:\s]+):(\d+)(?:, https://([^:\s]+):(\d+))?')

    def __init__(self, binary, config, log_path, secret, ca):
        self.log_path = log_path
        self.ca = ca
        self.log_file = open(log_path, 'w')
        env = dict(os.environ, **{SECRET_ENV: secret})
        self.proc = subprocess.Popen([binary, 'serve', '--config', config], stdin=subprocess.DEVNULL,
                                     stdout=self.log_file, stderr=subprocess.STDOUT, env=env)
        self.http_port = self.https_port = None

    def log_text(self):
        if not self.log_file.closed:
            self.log_file.flush()
        with open(self.log_path, errors='replace') as f:
            return f.read()

    def wait_ready(self, want_https):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while self.http_port is None:
            m = self.LINE.search(self.log_text())
            if m:
                self.http_port = int(m.group(2))
                self.https_port = int(m.group(4)) if m.group(4) else None
                break
            if self.proc.poll() is not None:
                raise Failure(f'kprogress exited with {self.proc.returncode} before serving:\n'
                              f'{self.log_text()}')
            if time.monotonic() > deadline:
                raise Failure(f'kprogress did not print its "serving on" line in '
                              f'{STARTUP_TIMEOUT}s:\n{self.log_text()}')
            time.sleep(0.05)
        if want_https and self.https_port is None:
            raise Failure(f'kprogress serves no https listener:\n{self.log_text()}')
        urls = [(f'http://127.0.0.1:{self.http_port}/healthz', None)]
        if want_https:
            urls.append((f'https://127.0.0.1:{self.https_port}/healthz',
                         ssl.create_default_context(cafile=self.ca)))
        for url, context in urls:
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=5, context=context) as r:
                        if r.status == 200:
                            break
                except (urllib.error.URLError, OSError) as e:
                    if isinstance(getattr(e, 'reason', None), ssl.SSLError) or isinstance(e, ssl.SSLError):
                        raise Failure(f'{url}: TLS failed: {e}')
                if self.proc.poll() is not None:
                    raise Failure(f'kprogress exited with {self.proc.returncode}:\n{self.log_text()}')
                if time.monotonic() > deadline:
                    raise Failure(f'{url} did not answer 200 in {STARTUP_TIMEOUT}s')
                time.sleep(0.05)
        log(f'kprogress ready: http port {self.http_port}'
            + (f', https port {self.https_port}' if self.https_port else ''))

    def stop(self):
        """SIGTERM; the server must drain and exit 0. Returns a problem or None."""
        if self.proc.poll() is not None:
            return f'kprogress had already exited with {self.proc.returncode}'
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return f'kprogress did not exit within {STOP_TIMEOUT}s of SIGTERM (killed)'
        finally:
            self.log_file.close()
        return None if rc == 0 else f'kprogress exited with {rc} after SIGTERM, want 0'

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log_file.closed:
            self.log_file.close()


def check_tls_identity(port, ca, server_pem):
    """The https listener presents the certificate made here, verified through the test CA, and
    a client with only the system's CAs refuses it (so trusting it took the test CA)."""
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection(('127.0.0.1', port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname='127.0.0.1') as s:
            der = s.getpeercert(binary_form=True)
            version = s.version()
    with open(server_pem) as f:
        want = ssl.PEM_cert_to_DER_cert(f.read())
    if der != want:
        raise Failure('the https listener presents another certificate than the configured one')
    try:
        urllib.request.urlopen(f'https://127.0.0.1:{port}/healthz', timeout=10,
                               context=ssl.create_default_context())
    except urllib.error.URLError as e:
        if not isinstance(e.reason, ssl.SSLCertVerificationError):
            raise Failure(f'https without the test CA failed, but not on verification: {e}')
    else:
        raise Failure('https without the test CA succeeded: the certificate is not the test one')
    log(f'https listener: {version}, presents the test certificate, refused without the test CA')


def run_client(name, cmd, env):
    log(f'running the {name} clients: {" ".join(cmd)}')
    started = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
    except OSError as e:
        return f'cannot run the {name} clients: {e}'
    watchdog = threading.Timer(CLIENT_TIMEOUT, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:  # streamed, so CTest's output shows progress
            print(f'  {name}: {line.rstrip()}', flush=True)
        rc = proc.wait()
    finally:
        watchdog.cancel()
    if time.monotonic() - started >= CLIENT_TIMEOUT:
        return f'the {name} clients did not finish in {CLIENT_TIMEOUT}s (killed)'
    log(f'{name} clients exited {rc} ({time.monotonic() - started:.1f}s)')
    return None if rc == 0 else f'the {name} clients failed (exit {rc})'


# One client of each language, run over https without KP_CA: it must refuse the certificate, so
# the passes with KP_CA show that the clients verified it (rather than not checking at all).
UNTRUSTED = {'python': ('tea-2019-v3', r'CERTIFICATE_VERIFY_FAILED'),
             'node': ('popcore-2019-get', r'self[- ]signed certificate|unable to (get|verify)')}


def check_untrusted(name, cmd, env):
    only, pattern = UNTRUSTED[name]
    env = dict(env, KP_ONLY=only)
    env.pop('KP_CA', None)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    text = out.stdout + out.stderr
    if out.returncode == 0 or not re.search(pattern, text):
        return (f'the {name} client {only} over https without the test CA should fail on the '
                f'certificate (/{pattern}/), but exited {out.returncode}:\n{text[-2000:]}')
    log(f'{name} client {only} without the test CA: refused the certificate, as it must')
    return None


def client_commands(source_dir, clients):
    sdk = os.path.join(source_dir, 'tests', 'sdk')
    cmds = {}
    missing = []
    if 'python' in clients:
        venv_python = os.path.join(source_dir, '.cache', 'sdk', 'venv', 'bin', 'python')
        if not os.access(venv_python, os.X_OK):
            missing.append(f'{venv_python} (the Python SDK clients)')
        cmds['python'] = [venv_python, os.path.join(sdk, 'python_sdk_test.py')]
    if 'node' in clients:
        node = shutil.which('node')
        modules = os.path.join(sdk, 'node', 'node_modules', '@alicloud')
        if not node:
            missing.append('node')
        if not os.path.isdir(modules):
            missing.append(f'{modules} (the Node SDK clients)')
        cmds['node'] = [node or 'node', os.path.join(sdk, 'node_sdk_test.js')]
    if missing:
        raise Failure('missing: ' + ', '.join(missing) + '; run tests/sdk/install '
                      '(make test runs it through scripts/install-deps)')
    return cmds


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--binary', required=True, help='the kprogress executable')
    ap.add_argument('--bootstrap', required=True, help='the test Kafka cluster')
    ap.add_argument('--source-dir', required=True, help='the repository (scripts/, tests/sdk/)')
    ap.add_argument('--work-dir', required=True, help='where the config, log, certs go')
    ap.add_argument('--clients', default='python,node', help='python, node or both')
    ap.add_argument('--https', action='store_true', help='the clients call the TLS listener')
    ap.add_argument('--keep', action='store_true', help='keep the topic and the group')
    args = ap.parse_args()
    clients = [c for c in args.clients.split(',') if c]
    started = time.monotonic()
    os.makedirs(args.work_dir, exist_ok=True)
    kafka = Kafka(args.source_dir, args.bootstrap)
    problems = []
    server = None
    topic = group = None
    try:
        cmds = client_commands(args.source_dir, clients)
        suffix = (f'{"https-" if args.https else ""}{"-".join(clients)}-{os.getpid()}-'
                  f'{secrets.token_hex(3)}')
        topic, group = f'kp-sdk-{suffix}', f'kp-sdk-group-{suffix}'
        expect = prepare_group(kafka, topic, group)
        expect_path = os.path.join(args.work_dir, 'expect.json')
        with open(expect_path, 'w') as f:
            json.dump(expect, f, indent=2)
        log(f'group {group} on {topic}, expected (from the Kafka tools): {json.dumps(expect)}')

        tls = make_certificates(os.path.join(args.work_dir, 'tls')) if args.https else None
        config = os.path.join(args.work_dir, 'kprogress.toml')
        write_config(config, args.bootstrap, tls)
        secret = secrets.token_hex(24)
        server = Server(args.binary, config, os.path.join(args.work_dir, 'kprogress.log'), secret,
                        tls[0] if tls else None)
        server.wait_ready(args.https)
        if args.https:
            check_tls_identity(server.https_port, tls[0], tls[1])

        env = dict(os.environ, KP_INSTANCE=INSTANCE, KP_REGION=REGION, KP_GROUP=group,
                   KP_AK=ACCESS_KEY, KP_SECRET=secret, KP_EXPECT=expect_path,
                   KP_ERR_INSTANCE_CODE=ERR_INSTANCE, KP_ERR_GROUP_CODE=ERR_GROUP)
        if args.https:
            env.update(KP_ENDPOINT=f'127.0.0.1:{server.https_port}', KP_PROTOCOL='https',
                       KP_CA=tls[0])
        else:
            env.update(KP_ENDPOINT=f'127.0.0.1:{server.http_port}', KP_PROTOCOL='http')
            env.pop('KP_CA', None)
        for name in clients:
            problem = run_client(name, cmds[name], env)
            if problem:
                problems.append(problem)
            if args.https:
                problem = check_untrusted(name, cmds[name], env)
                if problem:
                    problems.append(problem)
        problem = server.stop()
        if problem:
            problems.append(problem)
        else:
            log('kprogress drained and exited 0 on SIGTERM')
    except Failure as e:
        problems.append(str(e))
    finally:
        if server:
            server.kill()
            if problems:
                print(f'--- kprogress log ({server.log_path}), last 60 lines:')
                print('\n'.join(server.log_text().splitlines()[-60:]), flush=True)
        if topic and not args.keep:
            cleanup_group(kafka, topic, group)
    elapsed = time.monotonic() - started
    for p in problems:
        print(f'FAILED: {p}', flush=True)
    log(f'{"FAILED" if problems else "passed"} in {elapsed:.1f}s')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
