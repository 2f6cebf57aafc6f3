"""A demo ERP that speaks Odoo 17's JSON-RPC, with seeded data for the demo tenants' databases.

``acme`` (Acme Corporation, a manufacturer) and ``globex`` (Globex Corporation, a distributor)
each have their own user (:func:`credentials`), a restricted sales-only user
(:func:`restricted_credentials`) and their own, deterministic records
(:func:`dataset`). :func:`start_erp` serves them on loopback; ``python -m local.erp`` too.
"""

from local.erp.access import restricted_credentials
from local.erp.dataset import DEFAULT_SEED, Dataset, Record, credentials, dataset
from local.erp.profiles import PROFILES
from local.erp.rpc import Erp
from local.erp.server import RunningErp, create_app, start_erp

DATABASES = tuple(PROFILES)

__all__ = [
    "DATABASES",
    "DEFAULT_SEED",
    "Dataset",
    "Erp",
    "Record",
    "RunningErp",
    "create_app",
    "credentials",
    "dataset",
    "restricted_credentials",
    "start_erp",
]
