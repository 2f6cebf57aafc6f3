"""Where a stack describes itself: the local stack's ``.local/stack.json``, a deployed stack's outputs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from agent_core.aws import AwsClients
from agentctl.errors import CommandError, UsageError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation.client import CloudFormationClient

STACK_FILE = Path(".local") / "stack.json"
STACK_FILE_VARIABLE = "AGENTCTL_STACK_FILE"


@dataclass(frozen=True)
class StackDescription:
    """What a stack tells about itself; ``None`` where it does not say."""

    table_name: str
    secrets_prefix: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    api_url: str | None = None
    audit_bucket: str | None = None


def find_stack_file(start: Path) -> Path | None:
    """``.local/stack.json`` in ``start`` or the nearest parent that has one (as git finds ``.git``)."""
    for folder in (start, *start.parents):
        if (folder / STACK_FILE).is_file():
            return folder / STACK_FILE
    return None


def read_stack_file(path: Path) -> StackDescription:
    """The local stack as ``make dev`` wrote it.

    The file is ``{"endpoint_url", "region", "table_name", "secrets_prefix", "api_url"}``.
    """
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise CommandError(f"no local stack file at {path}: is `make dev` running?") from None
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the local stack file {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("table_name"), str):
        raise CommandError(f"the local stack file {path} has no table_name")
    text = {name: value for name, value in data.items() if isinstance(value, str) and value}
    return StackDescription(
        table_name=text["table_name"],
        secrets_prefix=text.get("secrets_prefix"),
        region=text.get("region"),
        endpoint_url=text.get("endpoint_url"),
        api_url=text.get("api_url"),
        audit_bucket=text.get("audit_bucket"),
    )


def describe_stack(name: str, *, region: str | None, endpoint_url: str | None) -> StackDescription:
    """A deployed stack's outputs (``TableName``, ``SecretsPrefix``, ``ApiUrl``, ``AuditBucketName``)
    from CloudFormation."""
    if region is None:
        raise UsageError("--stack needs a region: pass --region or set AWS_REGION")
    client: CloudFormationClient = AwsClients(region, endpoint_url).client("cloudformation")
    try:
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in error.get("Message", ""):
            raise CommandError(f"there is no stack {name} in {region}") from None
        raise CommandError(f"could not describe stack {name} in {region}: {error.get('Code')}") from None
    except BotoCoreError as exc:
        raise CommandError(f"could not describe stack {name} in {region}: {exc}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputKey" in o}
    if not outputs.get("TableName"):
        raise CommandError(f"stack {name} has no TableName output: is it an agent-runtime stack?")
    return StackDescription(
        table_name=outputs["TableName"],
        secrets_prefix=outputs.get("SecretsPrefix"),
        region=region,
        api_url=outputs.get("ApiUrl"),
        audit_bucket=outputs.get("AuditBucketName"),
    )
