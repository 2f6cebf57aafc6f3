"""Which stack a command acts on: flags, then a named stack (``--stack``/``--local``), then the environment.

A stack named on the command line beats the ambient environment, so a ``TABLE_NAME`` left in a
shell cannot send ``agentctl --stack prod …`` to another table; single flags beat both.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from agent_core.aws import AwsClients, StaticCredentials
from agent_core.settings import Settings
from agentctl.errors import UsageError
from agentctl.stacks import (
    STACK_FILE,
    STACK_FILE_VARIABLE,
    StackDescription,
    describe_stack,
    find_stack_file,
    read_stack_file,
)

FIELDS = ("table_name", "region", "endpoint_url", "secrets_prefix", "api_url", "audit_bucket")
# moto accepts any credentials; the operator's real ones have no business going to it.
_LOCAL_CREDENTIALS = StaticCredentials("local", "local")


@dataclass(frozen=True)
class Target:
    """The resolved stack: its table, region, endpoint and secrets prefix, and where each came from."""

    table_name: str
    region: str
    secrets_prefix: str
    endpoint_url: str | None = None
    api_url: str | None = None
    audit_bucket: str | None = None  # where `agentctl export` writes
    local: bool = False
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def aws(self) -> AwsClients:
        """Where this target's clients go: its region and endpoint (and, locally, throwaway credentials)."""
        credentials = _LOCAL_CREDENTIALS if self.local else None
        return AwsClients(region=self.region, endpoint_url=self.endpoint_url, credentials=credentials)

    def where(self) -> str:
        """``table T in R`` (``at URL``), for error messages."""
        at = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"table {self.table_name} in {self.region}{at}"

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in FIELDS} | {
            "local": self.local,
            "sources": dict(self.sources),
        }


def resolve_target(options: argparse.Namespace, environ: Mapping[str, str], cwd: Path) -> Target:
    """The stack the options and the environment point at; a usage error if they point nowhere."""
    flags = _layer(
        "flag",
        table_name=getattr(options, "table", None),
        region=getattr(options, "region", None),
        endpoint_url=getattr(options, "endpoint_url", None),
        secrets_prefix=getattr(options, "secrets_prefix", None),
        audit_bucket=getattr(options, "bucket", None),
    )
    env = {
        name: (value, f"env {variable}")
        for name, variable in (
            ("table_name", "TABLE_NAME"),
            ("region", "AWS_REGION" if environ.get("AWS_REGION") else "AWS_DEFAULT_REGION"),
            ("endpoint_url", "AWS_ENDPOINT_URL"),
            ("secrets_prefix", "SECRETS_PREFIX"),
            ("audit_bucket", "AUDIT_BUCKET"),
        )
        if (value := environ.get(variable))
    }
    stack_name = getattr(options, "stack", None)
    stack_file = getattr(options, "stack_file", None)
    local = bool(getattr(options, "local", False) or stack_file)
    if stack_name and local:
        raise UsageError("--stack and --local name two different stacks: pass one of them")
    named: dict[str, tuple[str, str]] = {}
    if local:
        path = _local_stack_file(stack_file, environ, cwd)
        named = _described(read_stack_file(path), f"stack file {path}")
    elif stack_name:
        region = _first("region", flags, env, _aws_config())
        endpoint = _first("endpoint_url", flags, env)
        described = describe_stack(stack_name, region=region, endpoint_url=endpoint)
        named = _described(described, f"stack {stack_name}")
    defaults = (
        _layer("default", secrets_prefix=Settings.model_fields["secrets_prefix"].default) | _aws_config()
    )
    layers = (flags, named, env, defaults)
    chosen = {name: next((layer[name] for layer in layers if name in layer), None) for name in FIELDS}
    values = {name: found[0] if found else None for name, found in chosen.items()}
    if not values["table_name"]:
        raise UsageError("no target: pass --local (the `make dev` stack), --stack NAME or --table NAME")
    if not values["region"]:
        raise UsageError("no region: pass --region or set AWS_REGION")
    return Target(
        table_name=str(values["table_name"]),
        region=str(values["region"]),
        secrets_prefix=str(values["secrets_prefix"]),
        endpoint_url=values["endpoint_url"],
        api_url=values["api_url"],
        audit_bucket=values["audit_bucket"],
        local=local,
        sources={name: found[1] for name, found in chosen.items() if found},
    )


def _layer(source: str, **values: str | None) -> dict[str, tuple[str, str]]:
    return {name: (value, source) for name, value in values.items() if value}


def _described(stack: StackDescription, source: str) -> dict[str, tuple[str, str]]:
    return _layer(source, **{name: getattr(stack, name) for name in FIELDS})


def _first(name: str, *layers: Mapping[str, tuple[str, str]]) -> str | None:
    return next((layer[name][0] for layer in layers if name in layer), None)


def _aws_config() -> dict[str, tuple[str, str]]:
    """The region of the AWS profile in use (``~/.aws/config``), if any."""
    return _layer("AWS config", region=boto3.session.Session().region_name)


def _local_stack_file(given: str | None, environ: Mapping[str, str], cwd: Path) -> Path:
    if given:
        return Path(given)
    if environ.get(STACK_FILE_VARIABLE):
        return Path(environ[STACK_FILE_VARIABLE])
    found = find_stack_file(cwd)
    if found is None:
        raise UsageError(f"no {STACK_FILE} here or above: start the local stack with `make dev`")
    return found
