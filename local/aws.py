"""AWS for the local stack: moto on loopback (unless an endpoint is given) and the table."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import boto3
from botocore.exceptions import ClientError

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


def start_moto(port: int | None = None) -> Any:
    """Start moto's server on loopback and point every boto3 client of this process at it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    port = port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for name, value in LOCAL_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
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
