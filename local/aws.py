"""AWS for the local stack: moto on loopback (unless an endpoint is given) and the table."""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from local.aws_journal import Journal, JournalingApp
from local.aws_restore import Replayed, compact, replay
from local.template import create_table_arguments, ttl_attribute

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class MotoServer:
    """moto's server on 127.0.0.1 in a background thread.

    With a journal, the state it held last time is replayed before it serves, and every change is
    journaled (see :mod:`local.aws_journal`). ``port=0`` takes any free port.
    """

    def __init__(self, port: int = 0, journal_file: Path | None = None) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto = DomainDispatcherApplication(create_backend_app)
        self.journal = Journal(journal_file) if journal_file else None
        self.replayed = Replayed(0, 0)
        if self.journal is not None:
            journaled = list(self.journal.requests())
            self.replayed = replay(moto, journaled)
            compacted = compact(moto, journaled)
            if len(compacted) < len(journaled):
                self.journal.rewrite(compacted)
        app = JournalingApp(moto, self.journal) if self.journal else moto
        self._server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
        self.port: int = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    def start(self) -> MotoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()
        if self.journal is not None:
            self.journal.close()


def start_moto(port: int | None = None, journal_file: Path | None = None) -> MotoServer:
    """Start moto on loopback and point every boto3 client of this process at it."""
    server = MotoServer(port or 0, journal_file).start()
    for name, value in LOCAL_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ["AWS_ENDPOINT_URL"] = server.url
    return server


def ensure_table(table_name: str) -> bool:
    """Create the table from template.yaml's definition unless it exists; ``True`` if created."""
    client = boto3.client("dynamodb")
    try:
        client.create_table(**create_table_arguments(table_name))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return False
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"AttributeName": ttl_attribute(), "Enabled": True},
    )
    return True


def ensure_bucket(bucket: str) -> bool:
    """Create the S3 bucket unless it exists (the local audit export's); ``True`` if created."""
    client = boto3.client("s3")
    try:
        client.create_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
        return False
    return True
