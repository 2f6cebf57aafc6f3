"""API key records, by the SHA-256 of the key; listed, re-scoped and revoked per tenant."""

from __future__ import annotations

from botocore.exceptions import ClientError

from agent_core import keys
from agent_core.clock import iso, utc_now
from agent_core.errors import InvalidRequest, StorageUnavailable
from agent_core.scopes import Scope
from agent_core.store.records import ApiKeyRecord
from agent_core.store.table import Item, Table, encode


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
        item = self._find(tenant_id, key_id)
        if item is None:
            return False
        record = ApiKeyRecord.model_validate_json(item["data"])
        if record.active:
            revoked = record.model_copy(update={"revoked_at": iso(utc_now())})
            self.table.put({**item, "data": revoked.model_dump_json()})
        return True

    def set_scopes(self, tenant_id: str, key_id: str, scopes: tuple[Scope, ...]) -> ApiKeyRecord | None:
        """Give one of the tenant's active keys exactly ``scopes``; ``None`` if it has no such key.

        A revoked key is refused (:class:`InvalidRequest`): its scopes no longer matter. The item is
        read consistently and written on condition that it is still as read, so a revocation made
        meanwhile is never undone.
        """
        found = self._find(tenant_id, key_id)
        if found is None:
            return None
        for _ in range(3):
            item = self.table.get(found["PK"], found["SK"], consistent=True)
            if item is None:
                return None
            record = ApiKeyRecord.model_validate_json(item["data"])
            if not record.active:
                raise InvalidRequest(f"key {key_id} is revoked: issue a new key instead", code="key_revoked")
            changed = record.model_copy(update={"scopes": scopes})
            try:
                self.table.put(
                    {**item, "data": changed.model_dump_json()},
                    ConditionExpression="#data = :read",
                    ExpressionAttributeNames={"#data": "data"},
                    ExpressionAttributeValues=encode({":read": item["data"]}),
                )
            except ClientError:  # only a failed condition gets here: the key changed since it was read
                continue
            return changed
        raise StorageUnavailable(f"key {key_id} kept changing while its scopes were set; try again")

    def _find(self, tenant_id: str, key_id: str) -> Item | None:
        """The stored item of one of the tenant's keys, by its key id."""
        items, _ = self.table.query(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK = :key",
            ExpressionAttributeValues=encode({":pk": keys.tenant_keys_gsi_pk(tenant_id), ":key": key_id}),
        )
        return items[0] if items else None
