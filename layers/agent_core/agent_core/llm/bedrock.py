"""Claude on Amazon Bedrock: the same Messages API model, reached through the SDK's Bedrock client.

Requests are signed with SigV4 from the process's AWS credentials (on Lambda, the function's IAM
role), so there is no key to store or rotate. Importing this module imports the ``anthropic`` SDK:
only the chat function does, at init.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anthropic.lib.bedrock import AsyncAnthropicBedrock

from agent_core.errors import ModelError
from agent_core.llm.anthropic import AnthropicModel
from agent_core.settings import is_bedrock_model
from agent_core.tenancy import Tenant


class BedrockProvider:
    """Every tenant's turns go to Bedrock through one ``AsyncAnthropicBedrock`` client per process.

    The model is a Bedrock model id, a system-defined inference profile id (``us.…``,
    ``global.…``) or an inference profile's ARN. A tenant's ``model`` override applies and must be
    one of those too (the function's IAM role must also allow it). A tenant's own
    ``anthropic_api_key`` does not apply: Bedrock authorizes the AWS account's role and bills the
    account, so there is no per-tenant key to route by.
    """

    def __init__(self, *, model: str, region: str, client: AsyncAnthropicBedrock | None = None) -> None:
        self.model = model
        # Building the client makes no network call (credentials are resolved and the request
        # signed when a request is sent), so the chat function can build it before SnapStart's
        # snapshot; the region is the function's own, where the IAM grant names the model.
        self.client = client or AsyncAnthropicBedrock(aws_region=region)

    def model_for(self, tenant: Tenant, tenant_secret: Callable[[], dict[str, Any]]) -> AnthropicModel:
        model = tenant.model or self.model
        if not is_bedrock_model(model):
            raise ModelError(
                f"the tenant's model {model!r} is not a Bedrock model id or inference profile "
                "(e.g. us.anthropic.claude-sonnet-5-5)",
                code="model_not_configured",
            )
        return AnthropicModel(self.client, model=model)
