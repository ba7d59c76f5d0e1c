"""Rasa's check of every action-server response, with its schema checked once instead of on
every call (issue 15).

`RemoteAction._validate_action_result` (rasa/core/actions/action.py) calls
`jsonschema.validate(result, schema)`, which first validates the *schema* against its
metaschema, on every action call: about two thirds of the Rasa server's CPU in a profile of
`make bench` (rasa#11717 reports the same). The launcher (rasa_server.py) installs this
replacement before Rasa starts: the same schema and the same checks of each response through
one validator built once, and Rasa's own error message when a response is invalid.

Checking each response with that validator was still a tenth of the Rasa server's CPU in the
next profile: jsonschema interprets the schema (a `oneOf` over every event type) for each
event of each response. So a response is first checked by the same schema compiled to Python
code (fastjsonschema), with the events' `oneOf` (one branch per event type, each fixed by a
`const` on the type name, so that at most one branch can hold) taken as what it amounts to:
the branch of the event's own type, instead of trying all 23 in turn. Only a response this
refuses goes through jsonschema, whose verdict and error message are then Rasa's (so a
difference between the two can only let jsonschema have the last word on a refusal). Nothing in
site-packages is edited; tests/unit/test_action_validation.py fails if an upgrade of Rasa
changes the function replaced here, so that the replacement is looked at again.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Rasa's text appended to a validation error (rasa/core/actions/action.py, Rasa 3.6.21).
RASA_HINT = (". Failed to validate Action server response from API, make sure your response from the Action "
             "endpoint is valid. For more information about the format visit {docs}/custom-actions")


def compiled_check(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """Whether a response satisfies `schema` (Rasa's action response schema), compiled."""
    import fastjsonschema

    items = schema["properties"]["events"]["items"]
    branches = {branch["properties"]["event"]["const"]: fastjsonschema.compile(branch) for branch in items["oneOf"]}
    if len(branches) != len(items["oneOf"]):
        raise ValueError("two event branches share a type name: the oneOf cannot be read as a choice by type")
    outer_items = {key: value for key, value in items.items() if key != "oneOf"}
    outer = fastjsonschema.compile({**schema, "properties": {**schema["properties"],
                                                               "events": {**schema["properties"]["events"],
                                                                          "items": outer_items}}})

    def check(result: Any) -> bool:
        try:
            outer(result)
            for event in result.get("events") or ():
                branch = branches.get(event["event"])
                if branch is None:
                    return False
                branch(event)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return check


def install() -> None:
    """Replace RemoteAction._validate_action_result with the once-checked validator (idempotent)."""
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction._validate_action_result, "intake_cached", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate does on every call, once
    validator = validator_class(schema)
    fast_check = compiled_check(schema)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if fast_check(result):
            return True
        try:  # jsonschema decides, and words the error as Rasa does
            validator.validate(result)
            return True
        except ValidationError as error:
            error.message += RASA_HINT.format(docs=DOCS_BASE_URL)
            raise error

    _validate_action_result.intake_cached = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
