"""The OpenAPI document (integrations/console/openapi.yml) and the console's routes agree: every
route the app registers under /api and /health is described, every described operation exists,
and the document is valid OpenAPI 3.1 whose references all resolve."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import schemathesis

from bot.settings import Settings
from integrations.console.app import create_app
from integrations.console.auth import is_protected
from integrations.console.openapi import PATH, load_document

METHODS = {"get", "post", "put", "patch", "delete"}


def _registered() -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite://", api_token="unused"))
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method == "HEAD" or not (path == "/health" or path.startswith("/api")):
            continue
        found.add((route.method.lower(), path))
    return found


def _described() -> set[tuple[str, str]]:
    paths = load_document()["paths"]
    return {(method, path) for path, item in paths.items() for method in item if method in METHODS}


def test_every_api_route_is_described_and_back():
    registered, described = _registered(), _described()
    assert registered - described == set(), "routes missing from openapi.yml"
    assert described - registered == set(), "openapi.yml describes routes the app does not have"


def test_the_document_is_valid_openapi_3_1_and_every_operation_loads():
    document = load_document()
    assert document["openapi"].startswith("3.1")
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()  # against the OpenAPI 3.1 meta-schema; raises on the first violation
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(_described())


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves_and_every_component_is_used():
    document = load_document()
    refs = set(_refs(document))
    for ref in refs:
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
            node = node[part]
    defined = {f"#/components/{kind}/{name}" for kind, items in document["components"].items()
               if kind != "securitySchemes" for name in items}
    assert defined - refs == set(), "components nothing refers to"


def test_every_error_response_is_json_with_an_error_field_and_every_operation_says_its_errors():
    document = load_document()
    error_ref = "#/components/schemas/Error"
    for name, response in document["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == {"$ref": error_ref}, name
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert "200" in codes and "400" in codes, (method, path)
            protected = is_protected(path)
            assert ("401" in codes) == protected, (method, path)
            assert (operation.get("security") == []) == (not protected), (method, path)


def test_the_document_is_served_without_a_token_and_says_so():
    assert not is_protected(PATH)
    assert is_protected("/api/inquiries") and is_protected("/api/openapi.jsonx")


def test_every_field_of_an_inquiry_is_described():
    """The inquiry of DESIGN.md's contract, field for field (the document may list more later)."""
    design = ("reference, conversation_id, status, created_at, language, partnership_type, organization, "
              "country, region, content_language, licence, description, contact, consent, qualification, routing")
    inquiry = load_document()["components"]["schemas"]["Inquiry"]
    assert set(re.split(r",\s*", design)) <= set(inquiry["properties"])
    assert set(inquiry["required"]) == set(inquiry["properties"])


def test_the_statuses_are_the_models():
    """Every inquiry status the model knows is one the document allows, and no other."""
    from bot.intake.model import Status

    schemas = load_document()["components"]["schemas"]
    assert set(schemas["InquiryStatus"]["enum"]) == {status.value for status in Status}
