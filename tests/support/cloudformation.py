"""A template as CloudFormation deploys it for given parameters: conditions decided, ``Fn::If``
branches chosen, ``AWS::NoValue`` dropped; and the string functions a test needs to read an ARN.

Only the functions the template uses in conditions and ARNs are evaluated (``Ref`` to parameters
and pseudo parameters, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::Equals``,
``Fn::And``, ``Fn::Or``, ``Fn::Not``, ``Condition``); anything else raises, so a test never
asserts on a value this module guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Template = dict[str, Any]

PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
}
_NO_VALUE = {"Ref": "AWS::NoValue"}
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


@dataclass(frozen=True)
class Deployment:
    """``template`` (already through SAM's transform) deployed with ``parameters`` over its defaults."""

    template: Template
    parameters: dict[str, str] = field(default_factory=dict)

    def parameter(self, name: str) -> str:
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if name in self.parameters:
            return self.parameters[name]
        return str(self.template["Parameters"][name]["Default"])

    def condition(self, name: str) -> bool:
        return self._truth(self.template.get("Conditions", {})[name])

    def resources(self) -> Template:
        """The resources with every ``Fn::If`` replaced by the branch this deployment takes."""
        chosen: Template = self.choose(self.template["Resources"])
        return chosen

    def choose(self, node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Fn::If"}:
                name, when_true, when_false = node["Fn::If"]
                return self.choose(when_true if self.condition(name) else when_false)
            chosen = {key: self.choose(value) for key, value in node.items()}
            return {key: value for key, value in chosen.items() if value != _NO_VALUE}
        if isinstance(node, list):
            return [item for item in map(self.choose, node) if item != _NO_VALUE]
        return node

    def evaluated(self, node: Any) -> Any:
        """``node`` with every function inside it evaluated (see :meth:`value`)."""
        if isinstance(node, dict):
            if len(node) == 1 and next(iter(node)).startswith(("Ref", "Fn::")):
                return self.value(node)
            return {key: self.evaluated(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.evaluated(item) for item in node]
        return node

    def value(self, node: Any) -> Any:
        """A string (or list) function evaluated; refuses what it cannot know (resource attributes)."""
        if isinstance(node, str | int):
            return str(node)
        if isinstance(node, list):
            return [self.value(item) for item in node]
        ((function, argument),) = node.items()
        if function == "Ref":
            return self.parameter(argument)
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            known = {name: self.value(value) for name, value in variables.items()}
            return _SUB_VARIABLE.sub(lambda m: known.get(m[1]) or self.parameter(m[1]), text)
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(self.value(items))
        if function == "Fn::Split":
            separator, text = argument
            return self.value(text).split(separator)
        if function == "Fn::Select":
            index, items = argument
            return self.value(items)[int(index)]
        if function == "Fn::If":
            name, when_true, when_false = argument
            return self.value(when_true if self.condition(name) else when_false)
        raise ValueError(f"cannot evaluate {function} here: {node}")

    def _truth(self, node: Any) -> bool:
        ((function, argument),) = node.items()
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            left, right = argument
            return bool(self.value(left) == self.value(right))
        if function == "Fn::Not":
            (inner,) = argument
            return not self._truth(inner)
        if function == "Fn::And":
            return all(self._truth(inner) for inner in argument)
        if function == "Fn::Or":
            return any(self._truth(inner) for inner in argument)
        raise ValueError(f"not a condition function: {node}")
