"""Burrow beside kprogress (bench/run's `burrow` section): the processes it needs.

Debian's burrow 1.2.1 reads __consumer_offsets with an old sarama client, so it runs against a
Kafka 3.9 cluster (Kafka 4 no longer answers the old request versions), with `kafka-version`
2.0.0 in its client profile. Burrow 1.x also insists on a ZooKeeper for its own coordination: one
runs from the ZooKeeper jar that Kafka 3.9 ships (`scripts/kafka tool --version 3.9.2 CLASS`).
"""
import json
import os
import socket
import subprocess
import time
import urllib.request

ZOOKEEPER_MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain"


def wait_port(port, timeout, proc=None, what="process"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} in {timeout}s")


class ZooKeeper:
    """A standalone ZooKeeper (Burrow's coordination store only) on 127.0.0.1:port."""

    def __init__(self, repo, kafka_version, port, workdir):
        data = os.path.join(workdir, "zookeeper")
        os.makedirs(data, exist_ok=True)
        self.log = open(os.path.join(workdir, "zookeeper.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(repo, "scripts/kafka"), "tool", "--version", kafka_version,
             ZOOKEEPER_MAIN, str(port), data], stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_serving(port, 120)

    def wait_serving(self, port, timeout):
        """An open port is not enough: until ZooKeeper serves, it drops sessions, and Burrow
        gives up at once. The four-letter command srvr (allowed by default) says when."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ZooKeeper exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                    c.sendall(b"srvr")
                    if b"Zookeeper version" in c.recv(4096):
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"ZooKeeper did not serve on {port} in {timeout}s")

    def stop(self):
        stop_process(self.proc)
        self.log.close()


class Burrow:
    """Burrow with one cluster (`bench`), its offsets consumer and its HTTP API on http_port."""

    def __init__(self, bootstrap, zk_port, http_port, workdir):
        self.http_port = http_port
        d = os.path.join(workdir, "burrow")
        os.makedirs(d, exist_ok=True)
        servers = json.dumps(bootstrap.split(","))
        with open(os.path.join(d, "burrow.toml"), "w") as f:
            f.write(f"""[general]
pidfile="{d}/burrow.pid"
[logging]
level="warn"
[zookeeper]
servers=["127.0.0.1:{zk_port}"]
timeout=6
root-path="/burrow"
[client-profile.bench]
client-id="burrow-bench"
kafka-version="2.0.0"
[cluster.bench]
class-name="kafka"
servers={servers}
client-profile="bench"
topic-refresh=60
offset-refresh=10
[consumer.bench]
class-name="kafka"
cluster="bench"
servers={servers}
client-profile="bench"
start-latest=false
[httpserver.default]
address="127.0.0.1:{http_port}"
[storage.default]
class-name="inmemory"
workers=20
intervals=10
expire-group=604800
min-distance=1
""")
        self.log = open(os.path.join(d, "burrow.log"), "w")
        self.proc = subprocess.Popen(["Burrow", "-config-dir", d], cwd=d, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_port(http_port, 60, self.proc, "Burrow")

    def lag_path(self, group):
        return f"/v3/kafka/bench/consumer/{group}/lag"

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=30) as r:
            return json.loads(r.read())

    def wait_groups(self, groups, timeout):
        """Until Burrow has read the commits of every partition of `groups`, a list of
        (group id, partitions)."""
        deadline = time.time() + timeout
        pending = list(groups)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Burrow exited with {self.proc.returncode}")
            try:
                while pending:
                    group, partitions = pending[0]
                    body = self.get(self.lag_path(group))
                    if body.get("error") or len(body["status"]["partitions"]) < partitions:
                        break
                    pending.pop(0)
            except (OSError, ValueError, KeyError):
                pass
            if not pending:
                return
            time.sleep(0.5)
        raise RuntimeError(f"Burrow did not read {len(pending)} of {len(groups)} groups "
                           f"in {timeout}s")

    def stop(self):
        stop_process(self.proc)
        self.log.close()


def stop_process(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
