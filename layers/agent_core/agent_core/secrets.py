"""Tenant and platform secrets from Secrets Manager, cached in the warm process."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError
from cachetools import TTLCache

from agent_core import keys
from agent_core.errors import StorageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager.client import SecretsManagerClient


class Secrets:
    """Reads ``<prefix>/tenants/<tenant_id>`` (a JSON object) and the platform's model key."""

    def __init__(self, client: SecretsManagerClient, *, prefix: str, cache_seconds: float) -> None:
        self.client = client
        self.prefix = prefix.rstrip("/")
        self.cache_seconds = int(cache_seconds)
        self._provider = SecretsProvider(boto3_client=client)
        # Powertools caches values only; remember absent secrets too, so a tenant without one
        # does not cost a Secrets Manager call per turn.
        self._missing: TTLCache[str, bool] = TTLCache(maxsize=256, ttl=max(cache_seconds, 1))

    def tenant_secret_name(self, tenant_id: str) -> str:
        return f"{self.prefix}/tenants/{keys.checked_id(tenant_id, 'tenant_id')}"

    def tenant_secret(self, tenant_id: str) -> dict[str, Any]:
        """The tenant's credentials; an empty mapping if the tenant has none."""
        value = self._get(self.tenant_secret_name(tenant_id))
        if value is None:
            return {}
        parsed = json.loads(value)
        if not isinstance(parsed, dict):
            raise StorageUnavailable("a tenant secret must be a JSON object")
        return parsed

    def text(self, name: str) -> str | None:
        """A plain secret (the platform's model key, say): the string, or ``key`` of a JSON one."""
        value = self._get(name)
        if value is None:
            return None
        try:
            parsed = json.loads(value)
        except ValueError:
            return value.strip()
        if isinstance(parsed, dict):
            found = parsed.get("api_key") or parsed.get("key")
            return str(found) if found else None
        return str(parsed)

    def put_tenant_secret(self, tenant_id: str, values: dict[str, Any]) -> None:
        """Create or replace a tenant's secret (operators only)."""
        name = self.tenant_secret_name(tenant_id)
        body = json.dumps(values)
        try:
            self.client.put_secret_value(SecretId=name, SecretString=body)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            self.client.create_secret(Name=name, SecretString=body)
        self._provider.clear_cache()  # type: ignore[no-untyped-call]
        self._missing.pop(name, None)

    def exists(self, name: str) -> bool:
        """Whether the secret exists; any other failure (a permission, say) is not an answer."""
        try:
            self.client.describe_secret(SecretId=name)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            if code == "ResourceNotFoundException":
                return False
            raise StorageUnavailable(f"could not check secret {name}: {code}") from exc
        return True

    def _get(self, name: str) -> str | None:
        if name in self._missing:
            return None
        try:
            value = self._provider.get(name, max_age=self.cache_seconds)
        except GetParameterError as exc:
            # Powertools wraps the SDK's error without chaining it explicitly.
            cause = exc.__cause__ or exc.__context__
            if (
                isinstance(cause, ClientError)
                and cause.response.get("Error", {}).get("Code") == "ResourceNotFoundException"
            ):
                self._missing[name] = True
                return None
            raise StorageUnavailable(f"could not read secret {name}") from exc
        if value is None:
            return None
        return value if isinstance(value, str) else bytes(value).decode()
