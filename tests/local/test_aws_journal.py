"""The local AWS's journal: what it keeps, how it survives a kill, and how it is replayed and compacted.

moto serves on loopback with a journal, as `make dev` runs it; boto3 talks to it over HTTP. A
"restart" empties moto (moto's own reset endpoint) and replays the journal into it.
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from local.aws import MotoServer
from local.aws_journal import Journal, Request, changes_state
from local.aws_restore import compact, replay
from local.template import create_table_arguments, ttl_attribute

TABLE = "journaled"


@pytest.fixture
def journal_file(tmp_path: Path) -> Path:
    return tmp_path / "aws-journal.jsonl"


@pytest.fixture
def moto(journal_file: Path) -> Iterator[MotoServer]:
    server = MotoServer(0, journal_file).start()
    yield server
    server.stop()


def clients(server: MotoServer) -> tuple[Any, Any]:
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=server.url, region_name="us-east-1")  # type: ignore[call-overload]

    return client("dynamodb"), client("secretsmanager")


def fresh_moto() -> Any:
    """An empty moto (its backends are per process): what a new `make dev` process starts with."""
    app = DomainDispatcherApplication(create_backend_app)
    Client(app).post("/moto-api/reset")
    return app


def items(app: Any, like: Request) -> list[str] | None:
    """Every item of the table, as sorted JSON, read through ``app`` in-process; ``None``: no table."""
    body = json.dumps({"TableName": TABLE}).encode()
    headers = {**like.headers, "X-Amz-Target": "DynamoDB_20120810.Scan"}
    response = Client(app).open("/", method="POST", headers=headers, data=body)
    if response.status_code == 400 and "ResourceNotFound" in response.get_data(as_text=True):
        return None
    return sorted(json.dumps(item, sort_keys=True) for item in json.loads(response.get_data())["Items"])


def put(dynamodb: Any, pk: str, **extra: dict[str, str]) -> None:
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": pk}, "SK": {"S": "A"}, **extra})


def use(moto: MotoServer) -> None:
    """Writes of every shape the stack makes, reads, and writes that fail."""
    dynamodb, secrets = clients(moto)
    dynamodb.create_table(**create_table_arguments(TABLE))
    dynamodb.update_time_to_live(
        TableName=TABLE, TimeToLiveSpecification={"AttributeName": ttl_attribute(), "Enabled": True}
    )
    put(dynamodb, "kept")
    put(dynamodb, "expired", **{ttl_attribute(): {"N": str(int(time.time()) - 60)}})
    for turn in range(1, 4):  # a session's turn counter, moved by conditional transactions
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"PK": {"S": "session"}, "SK": {"S": "META"}},
                        "UpdateExpression": "SET turn = :next",
                        "ConditionExpression": "attribute_not_exists(turn) OR turn = :now",
                        "ExpressionAttributeValues": {
                            ":next": {"N": str(turn)},
                            ":now": {"N": str(turn - 1)},
                        },
                    }
                },
                {"Put": {"TableName": TABLE, "Item": {"PK": {"S": "session"}, "SK": {"S": f"MSG#{turn}"}}}},
            ]
        )
    dynamodb.delete_item(TableName=TABLE, Key={"PK": {"S": "kept"}, "SK": {"S": "A"}})
    put(dynamodb, "kept", data={"S": "second version"})
    with pytest.raises(ClientError):  # refused: not a change
        dynamodb.put_item(
            TableName=TABLE,
            Item={"PK": {"S": "kept"}, "SK": {"S": "A"}},
            ConditionExpression="attribute_not_exists(PK)",
        )
    dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "kept"}, "SK": {"S": "A"}})
    dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "session"}},
    )
    secrets.create_secret(Name="agent-runtime/tenants/acme", SecretString='{"projects_token": "one"}')
    secrets.put_secret_value(SecretId="agent-runtime/tenants/acme", SecretString='{"projects_token": "two"}')
    secrets.get_secret_value(SecretId="agent-runtime/tenants/acme")


def operations(journal_file: Path) -> list[str]:
    return [r.headers["X-Amz-Target"].split(".")[-1] for r in Journal(journal_file).requests()]


def test_only_changes_that_succeeded_are_journaled_in_the_order_moto_answered(
    moto: MotoServer, journal_file: Path
) -> None:
    use(moto)

    assert operations(journal_file) == [
        "CreateTable",
        "UpdateTimeToLive",
        "PutItem",
        "PutItem",
        "TransactWriteItems",
        "TransactWriteItems",
        "TransactWriteItems",
        "DeleteItem",
        "PutItem",
        "CreateSecret",
        "PutSecretValue",
    ]
    assert stat.S_IMODE(journal_file.stat().st_mode) == 0o600  # it holds the secrets


def test_a_replayed_journal_is_the_same_state_and_its_compaction_too(
    moto: MotoServer, journal_file: Path
) -> None:
    use(moto)
    journaled = list(Journal(journal_file).requests())
    like = journaled[0]
    moto_app = fresh_moto()
    assert items(moto_app, like) is None

    replayed = replay(moto_app, journaled)
    assert (replayed.requests, replayed.refused) == (11, 0)
    state = items(moto_app, like)
    assert state is not None and len(state) == 6  # kept, expired, the session's META and three messages

    compacted = compact(moto_app, journaled)
    kept = [r.headers["X-Amz-Target"].split(".")[-1] for r in compacted]
    assert kept == ["CreateTable", "UpdateTimeToLive", "CreateSecret", "PutSecretValue", "BatchWriteItem"]
    moto_app = fresh_moto()
    replay(moto_app, compacted)
    # The same items, but the one whose TTL has passed, as DynamoDB's TTL would have deleted it.
    assert items(moto_app, like) == [item for item in state if '"expired"' not in item]

    secret = Client(moto_app).open(
        "/",
        method="POST",
        headers={**compacted[2].headers, "X-Amz-Target": "secretsmanager.GetSecretValue"},
        data=json.dumps({"SecretId": "agent-runtime/tenants/acme"}).encode(),
    )
    assert json.loads(json.loads(secret.get_data())["SecretString"]) == {"projects_token": "two"}


def test_a_restarted_server_serves_the_journaled_state_and_journals_only_what_is_new(
    journal_file: Path,
) -> None:
    with_journal = MotoServer(0, journal_file).start()
    use(with_journal)
    with_journal.stop()
    fresh_moto()  # a new process's moto is empty

    again = MotoServer(0, journal_file).start()
    try:
        assert (again.replayed.requests, again.replayed.refused) == (11, 0)
        dynamodb, secrets = clients(again)
        got = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "kept"}, "SK": {"S": "A"}})["Item"]
        assert got["data"] == {"S": "second version"}
        meta = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "session"}, "SK": {"S": "META"}})
        assert meta["Item"]["turn"] == {"N": "3"}
        value = secrets.get_secret_value(SecretId="agent-runtime/tenants/acme")["SecretString"]
        assert json.loads(value) == {"projects_token": "two"}
        # The journal was compacted at start; what happens now is appended to it.
        put(dynamodb, "new")
        assert operations(journal_file)[-2:] == ["BatchWriteItem", "PutItem"]
    finally:
        again.stop()


def test_a_line_a_kill_left_unfinished_is_dropped_and_the_next_change_starts_a_line(
    journal_file: Path,
) -> None:
    whole = Request("POST", "/", {"X-Amz-Target": "DynamoDB_20120810.PutItem"}, b"{}")
    journal_file.write_bytes(whole.line() + whole.line()[:25])

    journal = Journal(journal_file)
    journal.append(whole)
    journal.close()

    assert list(Journal(journal_file).requests()) == [whole, whole]


def test_moto_s_own_reset_empties_the_journal_too(moto: MotoServer, journal_file: Path) -> None:
    use(moto)
    assert httpx.post(moto.url + "/moto-api/reset").status_code == 200
    assert journal_file.read_bytes() == b""


@pytest.mark.parametrize(
    ("method", "target", "body", "changes"),
    [
        ("POST", "DynamoDB_20120810.GetItem", b"{}", False),
        ("POST", "DynamoDB_20120810.Query", b"{}", False),
        ("POST", "DynamoDB_20120810.TransactGetItems", b"{}", False),
        ("POST", "secretsmanager.DescribeSecret", b"{}", False),
        ("POST", "DynamoDB_20120810.UpdateItem", b"{}", True),
        ("POST", "DynamoDB_20120810.ExecuteStatement", b"{}", True),  # may write: kept
        ("POST", None, b"Action=ListQueues&Version=2012-11-05", False),
        ("POST", None, b"Action=SendMessage&Version=2012-11-05", True),
        ("GET", None, b"", False),
        ("PUT", None, b"object", True),
    ],
)
def test_what_counts_as_a_change(method: str, target: str | None, body: bytes, changes: bool) -> None:
    headers = {"X-Amz-Target": target} if target else {}
    assert changes_state(method, "/", headers, body) is changes
