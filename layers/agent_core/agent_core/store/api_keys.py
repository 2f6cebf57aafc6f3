"""API key records, by the SHA-256 of the key; listed and revoked per tenant."""

from __future__ import annotations

from agent_core import keys
from agent_core.clock import iso, utc_now
from agent_core.store.records import ApiKeyRecord
from agent_core.store.table import Table, encode


class ApiKeyStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def put(self, key_hash: str, record: ApiKeyRecord) -> None:
        self.table.put(
            {
                "PK": keys.api_key_pk(key_hash),
                "SK": keys.API_KEY_SK,
                "GSI1PK": keys.tenant_keys_gsi_pk(record.tenant_id),
                "GSI1SK": record.key_id,
                "data": record.model_dump_json(),
            },
            ConditionExpression="attribute_not_exists(PK)",
        )

    def get(self, key_hash: str) -> ApiKeyRecord | None:
        item = self.table.get(keys.api_key_pk(key_hash), keys.API_KEY_SK)
        return ApiKeyRecord.model_validate_json(item["data"]) if item else None

    def list(self, tenant_id: str) -> list[ApiKeyRecord]:
        items, _ = self.table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues=encode({":pk": keys.tenant_keys_gsi_pk(tenant_id)}),
        )
        return [ApiKeyRecord.model_validate_json(item["data"]) for item in items]

    def revoke(self, tenant_id: str, key_id: str) -> bool:
        """Mark one of the tenant's keys revoked; ``False`` if the tenant has no such key."""
        items, _ = self.table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK = :key",
            ExpressionAttributeValues=encode({":pk": keys.tenant_keys_gsi_pk(tenant_id), ":key": key_id}),
        )
        if not items:
            return False
        item = items[0]
        record = ApiKeyRecord.model_validate_json(item["data"])
        if record.active:
            revoked = record.model_copy(update={"revoked_at": iso(utc_now())})
            self.table.put({**item, "data": revoked.model_dump_json()})
        return True
