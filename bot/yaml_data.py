"""YAML read as YAML 1.2 reads it: only true/false are booleans.

PyYAML follows YAML 1.1, where `yes`, `no`, `on` and `off` are booleans too: a label keyed
`yes:` or the Norwegian language code `no:` would silently become True / False. The project's
data files (catalogues, vocabulary, notices) are read with this loader instead; Rasa reads its
own files with ruamel (YAML 1.2) already.
"""
from __future__ import annotations

import re
from typing import Any

import yaml

_BOOL = "tag:yaml.org,2002:bool"


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader whose implicit booleans are true/false only."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load_yaml(text: Any) -> Any:
    """Parse YAML text (or a file object) with YAML 1.2 booleans."""
    return yaml.load(text, Loader=Yaml12Loader)  # noqa: S506 (a SafeLoader subclass)
