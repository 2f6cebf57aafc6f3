"""Labels in the caller's language: the translatable fields the tools show, and the names of
records such fields name (a lead's stage, a line's account), as Odoo renders them.

What Odoo does and this imitates (17.0): a field declared ``translate=True`` is read in the
language of the call's ``context['lang']``, falling back to ``en_US`` where no translation exists
(``odoo/fields.py``, ``_String`` and ``Field.convert_to_read``); a many2one is read as
``[id, display_name]``, the display name computed in that language too. The translatable fields
here are ``crm.stage.name`` (``addons/crm/models/crm_stage.py``), ``account.account.name``
(``addons/account/models/account_account.py``) and the product's ``name``
(``addons/product/models/product_template.py``). The French words are the demo's own table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from local.erp.schema import MODELS, Model

TRANSLATABLE: dict[str, frozenset[str]] = {
    "crm.stage": frozenset({"name"}),
    "account.account": frozenset({"name"}),
    "product.product": frozenset({"name"}),
}
TERMS: dict[str, dict[str, str]] = {
    "fr_FR": {
        # crm.stage
        "New": "Nouveau",
        "Qualified": "Qualifié",
        "Proposition": "Proposition",
        "Negotiation": "Négociation",
        "Won": "Gagné",
        "On Hold": "En attente",
        # account.account
        "Cash": "Liquidités",
        "Bank Suspense Account": "Compte d'attente bancaire",
        "Stock Valuation": "Valorisation du stock",
        "Account Receivable": "Clients",
        "Tax Paid": "TVA déductible",
        "Account Payable": "Fournisseurs",
        "Tax Received": "TVA collectée",
        "Capital": "Capital",
        "Product Sales": "Ventes de produits",
        "Interest Income": "Produits financiers",
        "Cost of Goods Sold": "Coût des marchandises vendues",
        "Purchases & Expenses": "Achats et charges",
        "Rent": "Loyer",
        "Salaries": "Salaires",
        "Bank Fees": "Frais bancaires",
        # product.product
        "Office Desk": "Bureau",
        "Ergonomic Chair": "Chaise ergonomique",
        "Filing Cabinet": "Classeur",
    },
}


def term(lang: Any, text: str) -> str:
    """``text`` in ``lang``, or as it is (``en_US``, or a term the table lacks)."""
    return TERMS.get(lang, {}).get(text, text) if isinstance(lang, str) else text


def translated(model: str, rows: Any, lang: Any, schema: Mapping[str, Model] = MODELS) -> Any:
    """``rows`` (records as ``read`` sends them, or ``read_group``'s groups) with their translatable
    values and the names of translatable records they point to in ``lang`` (``schema``: the
    database's models, by version)."""
    if not isinstance(lang, str) or lang not in TERMS or not isinstance(rows, list):
        return rows
    fields = schema[model].all_fields
    own = TRANSLATABLE.get(model, frozenset())
    out = []
    for row in rows:
        if not isinstance(row, dict):
            out.append(row)
            continue
        row = dict(row)
        for name, value in row.items():
            spec = fields.get(name)
            if name in own and isinstance(value, str):
                row[name] = term(lang, value)
            elif name == "display_name" and own and isinstance(value, str):
                row[name] = _label(lang, value)
            elif (
                spec is not None
                and spec.type == "many2one"
                and spec.relation in TRANSLATABLE
                and isinstance(value, list)
                and len(value) == 2
                and isinstance(value[1], str)
            ):
                row[name] = [value[0], _label(lang, value[1])]
        out.append(row)
    return out


def _label(lang: str, label: str) -> str:
    """A display name whose translatable part ends it: ``Won``, ``400000 Product Sales``,
    ``[FG-DESK] Office Desk``."""
    for english, local in TERMS[lang].items():
        if label == english:
            return local
        if label.endswith(" " + english):
            return label[: -len(english)] + local
    return label
