"""The repository's reference data: where it is, and YAML read as YAML 1.2 reads it.

`ROOT` is the checkout; `data_dir()` is INTAKE_DATA_DIR when set (a deployment's own copy of
affiliates.csv, countries.csv and routing.yml), else the repository's data/. Every module that
needs either asks here rather than counting `parents[...]` of its own file.

Only true/false are booleans in YAML 1.2.

PyYAML follows YAML 1.1, where `yes`, `no`, `on` and `off` are booleans too: a label keyed
`yes:` or the Norwegian language code `no:` would silently become True / False. The project's
data files (catalogues, vocabulary, notices) are read with this loader instead; Rasa reads its
own files with ruamel (YAML 1.2) already.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

_BOOL = "tag:yaml.org,2002:bool"

#: The checkout: bot/, data/, models/, var/ are under it.
ROOT = Path(__file__).resolve().parents[1]
#: The repository's own reference data, the default of INTAKE_DATA_DIR.
REPO_DATA_DIR = ROOT / "data"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """INTAKE_DATA_DIR (from `env`, default the process environment) or the repository's data/."""
    value = (os.environ if env is None else env).get("INTAKE_DATA_DIR")
    return Path(value) if value else REPO_DATA_DIR


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
