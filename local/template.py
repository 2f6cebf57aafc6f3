"""What the local stack reads from ``template.yaml``: the table definition and the API routes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"

_CREATE_TABLE_FIELDS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


@lru_cache(maxsize=1)
def load_template() -> dict[str, Any]:
    """The template, with CloudFormation's short tags (``!Ref``, ``!Sub``…) as plain mappings."""
    parsed: dict[str, Any] = yaml_parse(TEMPLATE.read_text())
    return parsed


def table_resource() -> dict[str, Any]:
    tables = [r for r in load_template()["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    if len(tables) != 1:
        raise ValueError("template.yaml must define exactly one DynamoDB table")
    properties: dict[str, Any] = tables[0]["Properties"]
    return properties


def create_table_arguments(table_name: str) -> dict[str, Any]:
    """``CreateTable`` arguments built from the template's own table definition."""
    properties = table_resource()
    arguments = {field: properties[field] for field in _CREATE_TABLE_FIELDS if field in properties}
    arguments["TableName"] = table_name
    if "SSESpecification" in properties:
        arguments["SSESpecification"] = {"Enabled": properties["SSESpecification"]["SSEEnabled"]}
    return arguments


def ttl_attribute() -> str:
    return str(table_resource()["TimeToLiveSpecification"]["AttributeName"])


@dataclass(frozen=True)
class Route:
    """One API Gateway route: method, path template, and the function directory it invokes."""

    method: str
    path: str
    function: str
    streaming: bool

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\{[^/{}]+\}", "[^/]+", re.escape(self.path).replace(r"\{", "{").replace(r"\}", "}"))
        return re.compile(f"^{regex}$")


def api_routes() -> list[Route]:
    """Every ``Api`` event of every function, as API Gateway would route it."""
    routes = []
    for resource in load_template()["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        function = Path(properties["CodeUri"]).name
        for event in properties.get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            spec = event["Properties"]
            routes.append(
                Route(
                    method=spec["Method"].upper(),
                    path=spec["Path"],
                    function=function,
                    streaming=spec.get("ResponseTransferMode") == "RESPONSE_STREAM",
                )
            )
    return routes


# SAM's Cors property → the header each value becomes on a preflight's answer (AllowMethods, left
# out of the template, is each path's own methods and OPTIONS: see ``Gateway``).
_CORS_HEADERS = {
    "AllowOrigin": "Access-Control-Allow-Origin",
    "AllowHeaders": "Access-Control-Allow-Headers",
    "AllowMethods": "Access-Control-Allow-Methods",
    "MaxAge": "Access-Control-Max-Age",
}


def preflight_headers() -> dict[str, str]:
    """The headers API Gateway's preflight answer carries, from the ``Api``'s ``Cors`` (each value
    a quoted string there: ``"'*'"``)."""
    apis = [r for r in load_template()["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    cors: dict[str, str] = apis[0]["Properties"].get("Cors", {}) if len(apis) == 1 else {}
    return {_CORS_HEADERS[key]: value.strip("'") for key, value in cors.items()}
