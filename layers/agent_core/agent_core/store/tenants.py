"""Tenant records: who the tenant is and what it may use."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from cachetools import TTLCache

from agent_core import keys
from agent_core.store.table import Table, encode, is_condition_failure
from agent_core.tenancy import STORED, Tenant


class TenantStore:
    """Tenant records, cached for ``cache_seconds`` in the warm process."""

    def __init__(self, table: Table, *, cache_seconds: float = 0) -> None:
        self.table = table
        self._cache: TTLCache[str, Tenant] | None = (
            TTLCache(maxsize=512, ttl=cache_seconds) if cache_seconds > 0 else None
        )

    def get(self, tenant_id: str) -> Tenant | None:
        if self._cache is not None and (cached := self._cache.get(tenant_id)) is not None:
            return cached
        item = self.table.get(keys.tenant_pk(tenant_id), keys.TENANT_SK)
        tenant = Tenant.model_validate_json(item["data"], context=STORED) if item else None
        if tenant is not None and self._cache is not None:
            self._cache[tenant_id] = tenant
        return tenant

    def put(self, tenant: Tenant) -> None:
        """Create or replace the tenant's record."""
        self.table.put(self._item(tenant))
        if self._cache is not None:
            self._cache.pop(tenant.tenant_id, None)

    def create(self, tenant: Tenant) -> bool:
        """Write a new tenant; ``False`` (and nothing written) if one with that id exists."""
        try:
            self.table.put(self._item(tenant), ConditionExpression="attribute_not_exists(PK)")
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    @staticmethod
    def _item(tenant: Tenant) -> dict[str, str]:
        return {
            "PK": keys.tenant_pk(tenant.tenant_id),
            "SK": keys.TENANT_SK,
            "GSI1PK": keys.TENANTS_GSI_PK,
            "GSI1SK": tenant.tenant_id,
            "data": tenant.model_dump_json(),
        }

    def list(self, *, page_size: int | None = None) -> list[Tenant]:
        """Every tenant, every page of the index read (operators and the audit export only: no API
        route reaches this). ``page_size`` caps a page below DynamoDB's 1 MB."""
        params: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": encode({":pk": keys.TENANTS_GSI_PK}),
        }
        if page_size is not None:
            params["Limit"] = page_size
        tenants: list[Tenant] = []
        while True:
            items, last = self.table.query(**params)
            tenants.extend(Tenant.model_validate_json(item["data"], context=STORED) for item in items)
            if last is None:
                return tenants
            params["ExclusiveStartKey"] = encode(last)
