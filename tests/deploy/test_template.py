"""``template.yaml`` as CloudFormation will see it: cfn-lint clean, and SAM's own translator's output
streams the chat routes through the published alias, keeps the other routes buffered, and grants
each function only what it uses. Also: the import graph the template's cold-start design relies on,
and the layer's pinned requirements agreeing with ``uv.lock``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from typing import Any

import cfnlint.api
import pytest
from samtranslator.translator.transform import transform

from agent_core import Agent, Settings, default_agents
from agent_core.aws import WORST_CASE_SECONDS
from agent_core.guardrails.breaker_alert import METRIC, NAMESPACE
from agent_core.observability import logger
from agent_core.timeouts import turn_seconds
from agent_core.turn import STORE_GRACE_SECONDS
from local.functions import load_function
from local.template import ROOT, TEMPLATE, load_template, preflight_headers
from tests.support.cloudformation import Deployment
from tests.support.uv import uv_executable

Template = dict[str, Any]

WEB_ADAPTER_LAYER = re.compile(
    r"^arn:aws:lambda:\$\{AWS::Region\}:753240598075:layer:LambdaAdapterLayerArm64:\$\{WebAdapterLayerVersion\}$"
)
SECRET_UNDER_PREFIX = re.compile(
    r"^arn:\$\{AWS::Partition\}:secretsmanager:\$\{AWS::Region\}:\$\{AWS::AccountId\}:secret:\$\{SecretsPrefix\}/"
)
# Storing the turn and ending the stream after the turn's own deadline.
STREAM_END_MARGIN_SECONDS = 15
# An agent that asks for a turn of 15 minutes.
GREEDY = Agent(
    id="greedy", title="Greedy", description="Wants time.", prompt="Take your time.", turn_timeout_seconds=900
)


class NoManagedPolicies:
    """The translator's managed-policy loader, without IAM: the template names no managed policy."""

    def load(self) -> dict[str, str]:
        return {}


@cache
def _translated() -> str:
    template = copy.deepcopy(load_template())
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if "CodeUri" in properties:
            properties["CodeUri"] = "s3://artifacts-bucket/code.zip"
        if "ContentUri" in properties:
            properties["ContentUri"] = "s3://artifacts-bucket/layer.zip"
    return json.dumps(transform(template, {}, NoManagedPolicies()))


def deployed(**parameters: str) -> Template:
    """template.yaml after SAM's transform, as CloudFormation deploys it with these parameters
    (the defaults otherwise): each ``Fn::If`` replaced by the branch it takes."""
    translated: Template = json.loads(_translated())
    deployment = Deployment(translated, parameters)
    return {**translated, "Resources": deployment.resources()}


@pytest.fixture(autouse=True)
def _a_region_for_the_translator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def cfn() -> Template:
    """template.yaml after SAM's transform, deployed with its default parameters."""
    return deployed()


def resources_of_type(cfn: Template, kind: str) -> dict[str, Template]:
    return {name: r for name, r in cfn["Resources"].items() if r["Type"] == kind}


def function(cfn: Template, name: str) -> Template:
    resource = cfn["Resources"][name]
    assert resource["Type"] == "AWS::Lambda::Function"
    properties: Template = resource["Properties"]
    return properties


def chat_alias(cfn: Template) -> str:
    aliases = [
        name
        for name, alias in resources_of_type(cfn, "AWS::Lambda::Alias").items()
        if alias["Properties"]["FunctionName"] == {"Ref": "ChatFunction"}
    ]
    assert len(aliases) == 1, aliases
    return aliases[0]


def integrations(cfn: Template) -> Iterator[tuple[str, str, Template]]:
    """(method, path, x-amazon-apigateway-integration) of every route of the REST API (not the
    preflights SAM's ``Cors`` adds: see ``preflights``)."""
    for method, path, integration in _all_integrations(cfn):
        if method != "OPTIONS":
            yield method, path, integration


def preflights(cfn: Template) -> dict[str, Template]:
    """Each path's ``OPTIONS`` integration, by path."""
    return {path: i for method, path, i in _all_integrations(cfn) if method == "OPTIONS"}


def _all_integrations(cfn: Template) -> Iterator[tuple[str, str, Template]]:
    (api,) = resources_of_type(cfn, "AWS::ApiGateway::RestApi").values()
    for path, methods in api["Properties"]["Body"]["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation["x-amazon-apigateway-integration"]


def api_events(function_name: str) -> set[tuple[str, str]]:
    """(method, path) of the ``Api`` events of a function in template.yaml."""
    events = load_template()["Resources"][function_name]["Properties"]["Events"].values()
    return {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"]) for e in events if e["Type"] == "Api"
    }


def statements(cfn: Template, function_name: str) -> list[Template]:
    role = function(cfn, function_name)["Role"]["Fn::GetAtt"][0]
    policies = cfn["Resources"][role]["Properties"].get("Policies", [])
    found: list[Template] = []
    for policy in policies:
        statement = policy["PolicyDocument"]["Statement"]
        found.extend(statement if isinstance(statement, list) else [statement])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions(cfn: Template, function_name: str) -> set[str]:
    return {action for s in statements(cfn, function_name) for action in as_list(s["Action"])}


def sub_string(value: Any) -> str:
    """The string of a ``!Sub`` (or a literal), for matching an ARN pattern."""
    if isinstance(value, str):
        return value
    assert isinstance(value, dict) and "Fn::Sub" in value, value
    sub = value["Fn::Sub"]
    return str(sub if isinstance(sub, str) else sub[0])


# --- cfn-lint --------------------------------------------------------------------------------


def test_cfn_lint_finds_no_errors_or_warnings_in_any_region() -> None:
    matches = cfnlint.api.lint(
        TEMPLATE.read_text(), config=cfnlint.api.ManualArgs(regions=cfnlint.api.REGIONS)
    )

    problems = [
        f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.severity != "informational"
    ]
    assert problems == []


# --- the API: streamed chat, buffered everything else ----------------------------------------


def test_every_chat_route_streams_from_the_chat_functions_alias(cfn: Template) -> None:
    alias = chat_alias(cfn)
    chat_routes = api_events("ChatFunction")
    assert chat_routes, "the chat function has routes"
    timeout_ms = function(cfn, "ChatFunction")["Timeout"] * 1000

    found = {(method, path): integration for method, path, integration in integrations(cfn)}

    for route in chat_routes:
        integration = found[route]
        assert integration["type"] == "aws_proxy"
        assert integration["responseTransferMode"] == "STREAM", route
        uri = sub_string(integration["uri"])
        assert uri.endswith(f"/functions/${{{alias}}}/response-streaming-invocations"), (route, uri)
        # API Gateway must not cut a streamed turn off before the function's own timeout.
        assert integration["timeoutInMillis"] >= timeout_ms, route


def test_a_runs_events_and_its_cancel_are_served_by_the_streamed_chat_function(cfn: Template) -> None:
    # A run's events stream on while the run goes on; its cancel flag is a write, as the chat's are.
    chat_routes = api_events("ChatFunction")
    found = {(method, path): integration for method, path, integration in integrations(cfn)}

    assert {("GET", "/executions/{run_id}/events"), ("POST", "/executions/{run_id}/cancel")} <= chat_routes
    assert found["GET", "/executions/{run_id}/events"]["responseTransferMode"] == "STREAM"
    assert ("GET", "/executions/{run_id}") in api_events("ExecutionsFunction")  # the record stays there


def test_the_other_routes_are_buffered_proxy_integrations(cfn: Template) -> None:
    chat_routes = api_events("ChatFunction")
    others = [(m, p, i) for m, p, i in integrations(cfn) if (m, p) not in chat_routes]

    assert {(m, p) for m, p, _ in others} == api_events("ExecutionsFunction") | api_events("HealthFunction")
    for method, path, integration in others:
        assert integration["type"] == "aws_proxy"
        assert integration.get("responseTransferMode", "BUFFERED") == "BUFFERED", (method, path)
        uri = sub_string(integration["uri"])
        assert uri.endswith("/invocations"), (method, path, uri)
        assert "response-streaming" not in uri


def test_the_api_is_a_regional_rest_api_on_stage_v1(cfn: Template) -> None:
    (api,) = resources_of_type(cfn, "AWS::ApiGateway::RestApi").values()
    stages = [s["Properties"]["StageName"] for s in resources_of_type(cfn, "AWS::ApiGateway::Stage").values()]

    assert api["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert stages == ["v1"]
    deployments = resources_of_type(cfn, "AWS::ApiGateway::Deployment").values()
    assert all("StageName" not in d["Properties"] for d in deployments), "SAM's extra 'Stage' stage is back"
    assert "${Api}.execute-api." in sub_string(cfn["Outputs"]["ApiUrl"]["Value"])
    assert sub_string(cfn["Outputs"]["ApiUrl"]["Value"]).endswith("/v1")


# --- the chat function: SnapStart, arm64, the Web Adapter ------------------------------------


def test_chat_function_runs_behind_the_web_adapter_with_snapstart(cfn: Template) -> None:
    chat = function(cfn, "ChatFunction")
    env = chat["Environment"]["Variables"]
    alias = cfn["Resources"][chat_alias(cfn)]["Properties"]
    version = cfn["Resources"][alias["FunctionVersion"]["Fn::GetAtt"][0]]

    assert chat["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert version["Type"] == "AWS::Lambda::Version"
    assert version["Properties"]["FunctionName"] == {"Ref": "ChatFunction"}
    assert chat["Architectures"] == ["arm64"]
    assert chat["Runtime"] == "python3.12"
    adapter_layers = [layer for layer in chat["Layers"] if "Fn::Sub" in layer]
    assert len(adapter_layers) == 1 and WEB_ADAPTER_LAYER.match(sub_string(adapter_layers[0])), chat["Layers"]
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert env["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert chat["Handler"] == "run.sh"
    assert os.access(ROOT / "functions" / "chat" / "run.sh", os.X_OK), "the adapter execs run.sh"
    assert chat["Timeout"] >= int(env["TURN_TIMEOUT_SECONDS"]) + STREAM_END_MARGIN_SECONDS
    assert int(env["TURN_TIMEOUT_SECONDS"]) >= 60


def test_a_deployed_turn_has_60_s_and_each_tool_call_30_s(cfn: Template) -> None:
    env = function(cfn, "ChatFunction")["Environment"]["Variables"]
    settings = Settings.from_env(
        {name: str(value) for name, value in env.items() if isinstance(value, str | int)}
    )

    assert (settings.turn_timeout_seconds, settings.tool_timeout_seconds) == (60, 30)


def test_a_turn_past_its_deadline_is_stored_before_the_chat_function_times_out(cfn: Template) -> None:
    chat = function(cfn, "ChatFunction")
    env = chat["Environment"]["Variables"]
    settings = Settings.from_env(
        {name: str(value) for name, value in env.items() if isinstance(value, str | int)}
    )
    # The longest turn any agent can have: the platform's, which an agent may shorten, never stretch.
    longest_turn = max(turn_seconds(settings, agent) for agent in (None, *default_agents(), GREEDY))

    # After the deadline the turn stores itself for up to STORE_GRACE_SECONDS, and the last AWS call
    # it starts may take WORST_CASE_SECONDS to give up: all of it before Lambda stops the function.
    assert longest_turn == settings.turn_timeout_seconds
    assert longest_turn + STORE_GRACE_SECONDS + WORST_CASE_SECONDS < chat["Timeout"]


def test_the_adapters_readiness_path_is_served_by_the_chat_app(cfn: Template) -> None:
    path = function(cfn, "ChatFunction")["Environment"]["Variables"]["AWS_LWA_READINESS_CHECK_PATH"]
    chat_app = load_function("chat").app

    assert path in {getattr(route, "path", None) for route in chat_app.routes}


@pytest.mark.parametrize(
    "name", ["ChatFunction", "ExecutionsFunction", "HealthFunction", "AuditExportFunction"]
)
def test_every_function_is_python312_on_arm64_with_the_core_layer(cfn: Template, name: str) -> None:
    (layer,) = resources_of_type(cfn, "AWS::Lambda::LayerVersion")
    properties = function(cfn, name)

    assert properties["Runtime"] == "python3.12"
    assert properties["Architectures"] == ["arm64"]
    assert {"Ref": layer} in properties["Layers"]
    assert properties["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "Table"}


# --- the table -------------------------------------------------------------------------------


def test_the_table_is_on_demand_recoverable_expiring_indexed_and_encrypted(cfn: Template) -> None:
    (table,) = resources_of_type(cfn, "AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    (gsi,) = properties["GlobalSecondaryIndexes"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert gsi["IndexName"] == "GSI1"
    assert gsi["KeySchema"] == [
        {"AttributeName": "GSI1PK", "KeyType": "HASH"},
        {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
    ]
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionPolicy"] == "Retain"


# --- least privilege -------------------------------------------------------------------------


def test_executions_may_read_items_and_delete_sessions_only(cfn: Template) -> None:
    reads = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}
    # DELETE /sessions/{session_id} erases a session's items in batches; nothing else is written
    assert actions(cfn, "ExecutionsFunction") == reads | {"dynamodb:BatchWriteItem"}


def test_health_may_only_describe_the_table_and_platform_secrets(cfn: Template) -> None:
    assert actions(cfn, "HealthFunction") == {"dynamodb:DescribeTable", "secretsmanager:DescribeSecret"}
    (secret,) = [
        s for s in statements(cfn, "HealthFunction") if s["Action"] == "secretsmanager:DescribeSecret"
    ]
    assert SECRET_UNDER_PREFIX.match(sub_string(secret["Resource"]))
    assert sub_string(secret["Resource"]).endswith("${SecretsPrefix}/platform/*")


def test_chat_may_neither_scan_nor_delete(cfn: Template) -> None:
    granted = actions(cfn, "ChatFunction")

    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= granted
    assert not granted & {
        "dynamodb:Scan",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteTable",
    }


def test_chat_may_read_and_raise_the_usage_counters(cfn: Template) -> None:
    # The rate limits and budgets: one BatchGetItem per tenant, an ADD (UpdateItem) per counter.
    assert {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"} <= actions(cfn, "ChatFunction")


@pytest.mark.parametrize(
    "name", ["ChatFunction", "ExecutionsFunction", "HealthFunction", "AuditExportFunction"]
)
def test_no_wildcard_actions_and_secrets_only_under_the_prefix(cfn: Template, name: str) -> None:
    for statement in statements(cfn, name):
        assert statement["Effect"] == "Allow"
        assert not [a for a in as_list(statement["Action"]) if a.endswith("*")], statement
        resources = as_list(statement["Resource"])
        assert "*" not in resources, statement
        if any(a.startswith("secretsmanager:") for a in as_list(statement["Action"])):
            assert all(SECRET_UNDER_PREFIX.match(sub_string(r)) for r in resources), statement
        if any(a.startswith("dynamodb:") for a in as_list(statement["Action"])):
            assert all("Table" in json.dumps(r) for r in resources), statement


@pytest.mark.parametrize(
    "name", ["ChatFunction", "ExecutionsFunction", "HealthFunction", "AuditExportFunction"]
)
def test_roles_carry_only_the_logging_and_tracing_managed_policies(cfn: Template, name: str) -> None:
    role = cfn["Resources"][function(cfn, name)["Role"]["Fn::GetAtt"][0]]["Properties"]

    assert set(role["ManagedPolicyArns"]) == {
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    }


# --- guardrails: the kill switch and the anomaly breaker --------------------------------------


def test_chat_reads_a_tenants_switches_in_one_call_and_alerts_on_the_default_bus_only(cfn: Template) -> None:
    assert "dynamodb:BatchGetItem" in actions(cfn, "ChatFunction")
    [put] = [s for s in statements(cfn, "ChatFunction") if "events:PutEvents" in as_list(s["Action"])]

    assert as_list(put["Action"]) == ["events:PutEvents"]
    assert sub_string(put["Resource"]) == (
        "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"
    )
    for other in ("ExecutionsFunction", "HealthFunction"):
        assert not [a for a in actions(cfn, other) if a.startswith("events:")]


def test_the_breaker_alarm_watches_the_metric_the_breaker_writes(cfn: Template) -> None:
    [alarm] = [
        a["Properties"]
        for a in resources_of_type(cfn, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == METRIC
    ]
    service = load_template()["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]

    assert alarm["Namespace"] == NAMESPACE
    assert alarm["Dimensions"] == [{"Name": "service", "Value": logger.service}] and logger.service == service
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Sum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert alarm["TreatMissingData"] == "notBreaching"  # no trip is not a missing signal


# --- Bedrock: the chat role may stream exactly the configured model ----------------------------

INVOKE_STREAM = "bedrock:InvokeModelWithResponseStream"
PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/{}"


def bedrock_statements(function_name: str, **parameters: str) -> list[Template]:
    """The function's statements that grant a Bedrock action when deployed with these parameters,
    their ARNs evaluated."""
    deployment = Deployment(json.loads(_translated()), parameters)
    return [
        deployment.evaluated(s)
        for s in statements(deployed(**parameters), function_name)
        if any(a.startswith("bedrock:") for a in as_list(s["Action"]))
    ]


@pytest.mark.parametrize("provider", ["anthropic", "local"])
@pytest.mark.parametrize("name", ["ChatFunction", "ExecutionsFunction", "HealthFunction"])
def test_no_bedrock_permission_unless_the_provider_is_bedrock(provider: str, name: str) -> None:
    # Even with a Bedrock-shaped model id left over from an earlier deploy.
    for model_id in ("claude-sonnet-5-5", "us.anthropic.claude-sonnet-5-5"):
        assert bedrock_statements(name, ModelProvider=provider, ModelId=model_id) == [], model_id


def test_bedrock_with_a_model_id_may_stream_that_model_in_this_region_only() -> None:
    model_id = "anthropic.claude-sonnet-5-5"
    granted = bedrock_statements("ChatFunction", ModelProvider="bedrock", ModelId=model_id)

    assert granted == [
        {
            "Effect": "Allow",
            "Action": INVOKE_STREAM,
            "Resource": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-5-5",
        }
    ]


@pytest.mark.parametrize("profile", ["us.anthropic.claude-sonnet-5-5", "global.anthropic.claude-sonnet-5-5"])
def test_bedrock_with_an_inference_profile_may_stream_its_model_only_through_it(profile: str) -> None:
    granted = bedrock_statements("ChatFunction", ModelProvider="bedrock", ModelId=profile)

    assert granted == [
        {"Effect": "Allow", "Action": INVOKE_STREAM, "Resource": PROFILE_ARN.format(profile)},
        {
            "Effect": "Allow",
            "Action": INVOKE_STREAM,
            # Any region the profile routes to ("*" also matches a global profile's region-less
            # ARN), and only when the call came through this profile.
            "Resource": "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-5-5",
            "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": PROFILE_ARN.format(profile)}},
        },
    ]


def test_a_dated_bedrock_model_id_keeps_its_version_in_the_grant() -> None:
    profile = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
    granted = bedrock_statements("ChatFunction", ModelProvider="bedrock", ModelId=profile)

    assert [s["Resource"] for s in granted] == [
        PROFILE_ARN.format(profile),
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    ]


@pytest.mark.parametrize("name", ["ExecutionsFunction", "HealthFunction"])
def test_only_the_chat_function_may_call_bedrock(name: str) -> None:
    assert bedrock_statements(name, ModelProvider="bedrock", ModelId="us.anthropic.claude-sonnet-5-5") == []


@pytest.mark.parametrize(
    ("model_id", "accepted"),
    [
        ("claude-sonnet-5-5", True),
        ("claude-haiku-4-5-20251001", True),
        ("anthropic.claude-sonnet-5-5", True),
        ("us.anthropic.claude-sonnet-5-5", True),
        ("global.anthropic.claude-opus-5-5", True),
        ("apac.anthropic.claude-sonnet-4-20250514-v1:0", True),
        # The grant is derived from the id; an ARN (or anything not Claude) would grant nothing useful.
        ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-5-5", False),
        ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3", False),
        ("amazon.nova-pro-v1:0", False),
        ("", False),
    ],
)
def test_the_model_id_parameter_takes_anthropic_and_bedrock_ids_only(model_id: str, accepted: bool) -> None:
    pattern = load_template()["Parameters"]["ModelId"]["AllowedPattern"]

    assert (re.fullmatch(pattern, model_id) is not None) is accepted


def test_samconfigs_bedrock_environment_deploys_a_bedrock_model_the_chat_role_may_stream() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())["bedrock"]["deploy"]["parameters"]
    overrides = dict(pair.split("=", 1) for pair in config["parameter_overrides"].split())
    pattern = load_template()["Parameters"]["ModelId"]["AllowedPattern"]

    assert overrides["ModelProvider"] == "bedrock"
    assert re.fullmatch(pattern, overrides["ModelId"])
    granted = bedrock_statements("ChatFunction", **overrides)
    assert granted[0]["Resource"] == PROFILE_ARN.format(overrides["ModelId"])


# --- cold start: only chat imports the model SDK, the agents and their tools -----------------

_IMPORT_FUNCTIONS = """
import json, sys
from agent_core import Agent, Settings, default_agents
from agent_core.aws import WORST_CASE_SECONDS
from agent_core.guardrails.breaker_alert import METRIC, NAMESPACE
from agent_core.observability import logger
from agent_core.timeouts import turn_seconds
from agent_core.turn import STORE_GRACE_SECONDS
from local.functions import load_function
for name in sys.argv[1:]:
    load_function(name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "anthropic")))
"""


PROVIDER_ENVIRONMENTS = {
    "anthropic": {
        "MODEL_PROVIDER": "anthropic",
        "ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key",
        "ANTHROPIC_API_KEY_SECRET": "agent-runtime/platform/anthropic",
    },
    "bedrock": {"MODEL_PROVIDER": "bedrock", "ANTHROPIC_MODEL": "us.anthropic.claude-sonnet-5-5"},
}
AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


LAYER = ROOT / "layers" / "agent_core"


def python_as_deployed(
    code: str, *args: str, provider: str, credentials: bool = True, function: str | None = None
) -> str:
    """Run ``code`` in a fresh interpreter with the environment a function gets for ``provider``;
    its standard output. With ``function``, it runs as Lambda starts that function: in its own
    directory (``/var/task``) with the layer's source where ``/opt/python`` would be."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **({"PYTHONPATH": str(LAYER)} if function else {}),
        "TABLE_NAME": "agent-runtime-test",
        **(AWS_CREDENTIALS if credentials else {}),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        **PROVIDER_ENVIRONMENTS[provider],
        "POWERTOOLS_SERVICE_NAME": "agent-runtime",
    }
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT / "functions" / function if function else ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def anthropic_modules_after_loading(*names: str, provider: str = "anthropic") -> list[str]:
    """The SDK's modules once these functions are loaded as deployed with ``provider``."""
    output = python_as_deployed(_IMPORT_FUNCTIONS, *names, provider=provider)
    modules: list[str] = json.loads(output.strip().splitlines()[-1])
    return modules


# What only the chat function uses: the model SDK and its adapter, the offline model, the agent
# catalogue, its tools and what they read the web with. A buffered function that imported them
# would pay for them at every cold start.
CHAT_ONLY_MODULES = (
    "anthropic",
    "agent_core.llm.anthropic",
    "agent_core.llm.local",
    "agent_core.agents",
    "agent_core.tools",
    "agent_core.chat",
    "bs4",
    "markdownify",
    "httpx",
)

_IMPORT_APP = """
import json, sys
import app
print(json.dumps(sorted(sys.modules)))
"""


def modules_after_importing_app(function: str, provider: str) -> list[str]:
    """Every module loaded once ``app`` is imported as Lambda imports ``app.handler``."""
    output = python_as_deployed(_IMPORT_APP, provider=provider, function=function)
    modules: list[str] = json.loads(output.strip().splitlines()[-1])
    return modules


@pytest.mark.parametrize("provider", ["anthropic", "bedrock"])
@pytest.mark.parametrize("function", ["executions", "health", "audit_export"])
def test_executions_and_health_import_neither_the_model_sdk_nor_the_tools(
    function: str, provider: str
) -> None:
    loaded = modules_after_importing_app(function, provider)

    assert "agent_core" in loaded
    assert [name for name in loaded if within_chat_only(name)] == []


def within_chat_only(module: str) -> bool:
    return any(module == chat_only or module.startswith(chat_only + ".") for chat_only in CHAT_ONLY_MODULES)


def test_chat_imports_the_model_sdk_at_init_for_snapstart_to_keep() -> None:
    assert "anthropic" in anthropic_modules_after_loading("chat")


_BUILT_AT_INIT = """
from local.functions import load_function
runtime = load_function("chat").runtime
built = runtime.__dict__.get("models")  # a cached_property: present only if init built it
print(type(built).__name__, type(getattr(built, "client", None)).__name__)
"""


def test_chat_builds_its_bedrock_client_at_init_for_snapstart_to_keep() -> None:
    # No AWS credentials at all: building the client resolves none and calls nothing.
    output = python_as_deployed(_BUILT_AT_INIT, provider="bedrock", credentials=False)

    assert output.split() == ["BedrockProvider", "AsyncAnthropicBedrock"]


_CHAT_SERVICE_AT_INIT = """
import sys
from local.functions import load_function
runtime = load_function("chat").runtime
print(type(runtime.__dict__.get("chat")).__name__, len(list(runtime.__dict__.get("agents", []))))
print("bs4" in sys.modules, "markdownify" in sys.modules)
"""


def test_chat_builds_its_agents_and_tools_at_init_for_snapstart_to_keep() -> None:
    output = python_as_deployed(_CHAT_SERVICE_AT_INIT, provider="anthropic")

    service, agents, bs4, markdownify = output.split()
    assert service == "ChatService"
    assert int(agents) >= 6
    assert bs4 == markdownify == "True"


# --- observability: logs kept, access logs, the dashboard, alarms, traces -----------------------

FUNCTIONS = ["ChatFunction", "ExecutionsFunction", "HealthFunction"]


def with_error_message(template: str) -> Template:
    """A JSON template of API Gateway's, parsed as the JSON it renders (``messageString`` is quoted)."""
    parsed: Template = json.loads(template.replace("$context.error.messageString", '"Too Many Requests"'))
    return parsed


def rendered_dashboard(cfn: Template) -> Template:
    """The dashboard's JSON as CloudFormation renders it (a resource's name reads ``<Name>``)."""
    (dashboard,) = resources_of_type(cfn, "AWS::CloudWatch::Dashboard").values()
    text, variables = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    deployment = Deployment(cfn)

    def value(name: str) -> str:
        if name in variables:
            return str(variables[name])
        if name in cfn["Parameters"] or name in ("AWS::Region", "AWS::Partition"):
            return deployment.parameter(name)
        assert name in cfn["Resources"] or name == "AWS::StackName", name
        return f"<{name}>"

    body: Template = json.loads(re.sub(r"\$\{([^}!]+)\}", lambda m: value(m[1]), text))
    return body


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_logs_to_its_own_group_kept_for_the_retention_parameter(
    cfn: Template, name: str
) -> None:
    group = function(cfn, name)["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = cfn["Resources"][group]

    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert (
        cfn["Parameters"]["LogRetentionDays"]["Default"]
        in (cfn["Parameters"]["LogRetentionDays"]["AllowedValues"])
    )


def test_the_stage_writes_a_json_access_log_line_per_request_kept_for_the_retention(cfn: Template) -> None:
    (stage,) = resources_of_type(cfn, "AWS::ApiGateway::Stage").values()
    setting = stage["Properties"]["AccessLogSetting"]
    log_group = cfn["Resources"][setting["DestinationArn"]["Fn::GetAtt"][0]]

    line = with_error_message(setting["Format"])
    assert line["requestId"] == "$context.requestId"  # the id the functions log and answer
    assert {"status", "responseLatency", "integrationLatency", "resource", "xrayTraceId"} <= set(line)
    assert "header" not in setting["Format"] and "apiKey" not in setting["Format"]
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize(("configure", "created"), [("true", True), ("false", False)])
def test_api_gateway_gets_its_logging_role_unless_the_account_has_one(configure: str, created: bool) -> None:
    cfn = deployed(ConfigureApiGatewayLogging=configure)
    deployment = Deployment(json.loads(_translated()), {"ConfigureApiGatewayLogging": configure})
    (stage,) = resources_of_type(cfn, "AWS::ApiGateway::Stage").values()
    account = cfn["Resources"]["ApiGatewayAccount"]

    assert deployment.condition(account["Condition"]) is created
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLoggingRole", "Arn"]}
    # When this stack sets the account's role, the stage (whose access logs need it) waits for it.
    assert (stage["Properties"]["Variables"]["logging"] == {"Ref": "ApiGatewayAccount"}) is created


def test_api_gateways_own_errors_keep_the_error_shape_with_the_request_id(cfn: Template) -> None:
    (api,) = resources_of_type(cfn, "AWS::ApiGateway::RestApi").values()
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]

    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        body = with_error_message(responses[kind]["responseTemplates"]["application/json"])
        assert body == {
            "error": {
                "code": "$context.error.responseType",
                "message": "Too Many Requests",
                "request_id": "$context.requestId",
            }
        }


def test_the_api_alarms_on_5xx_and_every_function_on_throttles(cfn: Template) -> None:
    alarms = [alarm["Properties"] for alarm in resources_of_type(cfn, "AWS::CloudWatch::Alarm").values()]
    watched = {
        (a["Namespace"], a["MetricName"], tuple((d["Name"], json.dumps(d["Value"])) for d in a["Dimensions"]))
        for a in alarms
    }

    api = (("ApiName", json.dumps({"Ref": "AWS::StackName"})), ("Stage", '"v1"'))
    assert ("AWS/ApiGateway", "5XXError", api) in watched
    (api_resource,) = resources_of_type(cfn, "AWS::ApiGateway::RestApi").values()
    assert api_resource["Properties"]["Name"] == {"Ref": "AWS::StackName"}  # the ApiName alarmed on
    for name in FUNCTIONS:
        assert ("AWS/Lambda", "Throttles", (("FunctionName", json.dumps({"Ref": name})),)) in watched
    assert all("AlarmActions" not in alarm for alarm in alarms)  # no topic given


def test_alarms_notify_the_topic_given() -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:on-call"
    alarms = resources_of_type(deployed(AlarmTopicArn=topic), "AWS::CloudWatch::Alarm").values()

    assert alarms
    assert all(alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopicArn"}] for alarm in alarms)


def test_the_dashboard_shows_turns_errors_latency_first_token_tokens_and_holds(cfn: Template) -> None:
    from agent_core.observability import metrics

    body = rendered_dashboard(cfn)
    expressions = " ".join(
        json.dumps(metric) for widget in body["widgets"] for metric in widget["properties"]["metrics"]
    )

    named = set(re.findall(r'MetricName=\\"(\w+)\\"', expressions))
    published = {
        value for name, value in vars(metrics).items() if name.isupper() and isinstance(value, str)
    } - {metrics.NAMESPACE}
    assert named <= published  # no widget reads a metric nothing publishes
    assert {
        metrics.TURNS,
        metrics.TURN_ERRORS,
        metrics.TURN_DURATION,
        metrics.TIME_TO_FIRST_TOKEN,
        metrics.INPUT_TOKENS,
        metrics.OUTPUT_TOKENS,
        metrics.CACHE_READ_TOKENS,
        metrics.CACHE_WRITE_TOKENS,
        metrics.THINKING_TOKENS,
        metrics.REJECTIONS,
        metrics.TOOL_LATENCY,
    } <= named
    assert set(re.findall(r"SEARCH\('\{(\w+),", expressions)) == {metrics.NAMESPACE}
    assert '"AWS/ApiGateway", "5XXError", "ApiName", "<AWS::StackName>", "Stage", "v1"' in expressions
    for name in FUNCTIONS:
        assert f'"AWS/Lambda", "Throttles", "FunctionName", "<{name}>"' in expressions


def test_metrics_and_traces_are_on_in_every_function(cfn: Template) -> None:
    from agent_core.observability.metrics import NAMESPACE

    (stage,) = resources_of_type(cfn, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["TracingEnabled"] is True
    for name in FUNCTIONS:
        properties = function(cfn, name)
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == NAMESPACE
        assert "POWERTOOLS_TRACE_DISABLED" not in properties["Environment"]["Variables"]


# --- the layer's requirements ----------------------------------------------------------------


def test_layer_requirements_are_exported_from_uv_lock() -> None:
    uv = uv_executable()
    assert uv, "no uv (UV, PATH or .tools/uv): run the suite with `make test`, which provides one"

    exported = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--no-header"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr

    assert (ROOT / "layers" / "agent_core" / "requirements.txt").read_text() == exported.stdout, (
        "layers/agent_core/requirements.txt is stale: run `make requirements`"
    )


# --- the audit export: a daily schedule, a private TLS-only bucket, Athena over it ----------------

EXPORT = "AuditExportFunction"


def test_the_export_runs_daily_from_eventbridge_scheduler_for_the_day_before(cfn: Template) -> None:
    (schedule,) = resources_of_type(cfn, "AWS::Scheduler::Schedule").values()
    properties = schedule["Properties"]

    assert properties["Target"]["Arn"] == {"Fn::GetAtt": [EXPORT, "Arn"]}
    assert re.fullmatch(r"cron\(\d+ \d+ \* \* \? \*\)", properties["ScheduleExpression"])
    assert properties["ScheduleExpressionTimezone"] == "UTC"
    assert json.loads(properties["Target"]["Input"]) == {}  # yesterday, every tenant
    assert properties["Target"]["RetryPolicy"]["MaximumRetryAttempts"] >= 1  # a cut-off run resumes
    assert properties["Name"] == {"Fn::Sub": "${AWS::StackName}-audit-export"}  # one per stack
    role = cfn["Resources"][properties["Target"]["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
    (invoke,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert (invoke["Action"], invoke["Resource"]) == (
        "lambda:InvokeFunction",
        {"Fn::GetAtt": [EXPORT, "Arn"]},
    )


def test_the_export_function_is_a_plain_handler_with_time_for_a_big_day(cfn: Template) -> None:
    properties = function(cfn, EXPORT)

    assert properties["Handler"] == "app.handler"
    assert properties["Timeout"] == 900
    assert properties["Environment"]["Variables"]["AUDIT_BUCKET"] == {"Ref": "AuditBucket"}
    assert properties["LoggingConfig"]["LogGroup"] == {"Ref": "AuditExportFunctionLogs"}
    assert callable(load_function("audit_export").handler)


def test_the_audit_bucket_is_encrypted_private_tls_only_and_expires_exports(cfn: Template) -> None:
    bucket = cfn["Resources"]["AuditBucket"]
    properties = bucket["Properties"]
    (policy,) = [
        p["Properties"]
        for p in resources_of_type(cfn, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "AuditBucket"}
    ]

    assert bucket["DeletionPolicy"] == "Retain"
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}  # ETag = MD5 (resume)
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (deny,) = policy["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [{"Fn::GetAtt": ["AuditBucket", "Arn"]}, {"Fn::Sub": "${AuditBucket.Arn}/*"}]
    (lifecycle,) = properties["LifecycleConfiguration"]["Rules"]
    assert lifecycle["Status"] == "Enabled"
    assert lifecycle["ExpirationInDays"] == {"Ref": "AuditExportRetentionDays"}
    assert cfn["Parameters"]["AuditExportRetentionDays"]["MinValue"] > max(
        t["TransitionInDays"] for t in lifecycle["Transitions"]
    )


def test_athena_reads_the_export_through_partition_projection_with_no_crawler(cfn: Template) -> None:
    from agent_core import keys

    (table,) = resources_of_type(cfn, "AWS::Glue::Table").values()
    table_input = table["Properties"]["TableInput"]
    parameters = table_input["Parameters"]
    storage = table_input["StorageDescriptor"]

    assert table["Properties"]["DatabaseName"] == {"Ref": "AuditDatabase"}
    assert [(k["Name"], k["Type"]) for k in table_input["PartitionKeys"]] == [
        ("tenant", "string"),
        ("date", "string"),
    ]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.tenant.type"] == "injected"
    assert parameters["projection.date.type"] == "date"
    assert parameters["projection.date.format"] == "yyyy-MM-dd"
    assert parameters["projection.date.range"].endswith(",NOW")
    # The template's folder of a partition is the one the export writes (agent_core.keys).
    template = sub_string(parameters["storage.location.template"])
    filled = template.replace("${!tenant}", "acme").replace("${!date}", "2026-11-28")
    assert filled == "s3://${AuditBucket}/" + keys.audit_export_folder("acme", "2026-11-28")
    assert sub_string(storage["Location"]) == "s3://${AuditBucket}/" + keys.AUDIT_EXPORT_PREFIX
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert storage["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert parameters["compressionType"] == "gzip"
    # Every field an exported line has is a column (the manifests are kept outside the location).
    assert not keys.AUDIT_MANIFEST_PREFIX.startswith(keys.AUDIT_EXPORT_PREFIX)
    from agent_core import AuditEntry

    fields = set(AuditEntry.model_json_schema(mode="serialization", by_alias=True)["properties"])
    assert {column["Name"] for column in storage["Columns"]} == fields


def test_the_export_role_reads_only_what_it_exports_and_writes_only_under_its_prefixes(cfn: Template) -> None:
    granted = statements(cfn, EXPORT)

    assert actions(cfn, EXPORT) == {"dynamodb:Query", "s3:PutObject", "s3:ListBucket"}
    (query,) = [s for s in granted if s["Action"] == "dynamodb:Query"]
    assert query["Resource"] == [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/GSI1"}]
    (put,) = [s for s in granted if s["Action"] == "s3:PutObject"]
    assert [sub_string(r) for r in put["Resource"]] == [
        "${AuditBucket.Arn}/audit/*",
        "${AuditBucket.Arn}/audit-manifests/*",
    ]
    (listing,) = [s for s in granted if s["Action"] == "s3:ListBucket"]
    assert listing["Resource"] == {"Fn::GetAtt": ["AuditBucket", "Arn"]}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "audit/*"}}
    for name in ("ChatFunction", "ExecutionsFunction", "HealthFunction"):
        assert not [a for a in actions(cfn, name) if a.startswith("s3:")], name


# --- CORS and streams nothing buffers -----------------------------------------------------------


def test_every_preflight_is_answered_by_api_gateway_as_the_local_gateway_answers_it(cfn: Template) -> None:
    # SAM's Cors: an OPTIONS mock integration on every path, no function reached. make dev's gateway
    # must answer a preflight with the very same headers.
    paths = {path for _, path, _ in integrations(cfn)}
    found = preflights(cfn)
    assert set(found) == paths
    for path, integration in found.items():
        assert integration["type"] == "mock"
        answered = integration["responses"]["default"]["responseParameters"]
        headers = {
            name.removeprefix("method.response.header."): value.strip("'") for name, value in answered.items()
        }
        methods = sorted({m for m, p, _ in integrations(cfn) if p == path} | {"OPTIONS"})
        assert headers == {**preflight_headers(), "Access-Control-Allow-Methods": ",".join(methods)}, path
    allowed = set(preflight_headers()["Access-Control-Allow-Headers"].split(","))
    assert {
        "Authorization",
        "X-API-Key",
        "Content-Type",
        "Idempotency-Key",
        "Last-Event-ID",
        "X-End-User-Id",
    } <= allowed


def test_api_gateways_own_errors_are_readable_by_a_page(cfn: Template) -> None:
    (api,) = resources_of_type(cfn, "AWS::ApiGateway::RestApi").values()
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert responses[kind]["responseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"
        }


def test_the_allowed_origins_reach_every_function() -> None:
    origins = "https://app.example.com,https://admin.example.com"
    cfn = deployed(AllowedOrigins=origins)
    for name in ("ChatFunction", "ExecutionsFunction", "HealthFunction"):
        variables = function(cfn, name)["Environment"]["Variables"]
        assert variables["ALLOWED_ORIGINS"] == {"Ref": "AllowedOrigins"}, name
    assert Settings.from_env({"ALLOWED_ORIGINS": origins}).allowed_origins == tuple(origins.split(","))


def test_the_api_compresses_nothing(cfn: Template) -> None:
    # With MinimumCompressionSize set, API Gateway compresses answers for clients that accept it: a
    # stream would wait to fill compressed blocks. Unset, it compresses nothing.
    (api,) = resources_of_type(cfn, "AWS::ApiGateway::RestApi").values()
    assert "MinimumCompressionSize" not in api["Properties"]
    assert "x-amazon-apigateway-minimum-compression-size" not in api["Properties"]["Body"]
