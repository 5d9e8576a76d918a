"""An S3 bucket for the measurements through profiles/s3: SeaweedFS on loopback, the tests' own
server (tests/seaweed.py), so bench/ and the tests run against the same thing."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import ROOT


@contextmanager
def seaweed(root: Path) -> Iterator[tuple]:
    """(server, bucket name) while the server runs; it is stopped however the block ends."""
    sys.path.insert(0, str(ROOT / "tests"))
    from seaweed import BUCKET, SeaweedS3

    server = SeaweedS3(root / "seaweed")
    server.start()
    try:
        yield server, BUCKET
    finally:
        server.stop()
