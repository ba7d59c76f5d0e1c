"""Consistency of the assistant's definition: domain <-> code, languages, data files."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import yaml
from rasa_sdk import Action

import actions
from bot.i18n.build import merged_responses
from bot.i18n.catalog import load_catalog, supported_languages
from bot.intake.conversation import FORM_SLOTS
from bot.routing import default_router

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "bot" / "domain"
CONTRACT_SLOTS = {
    "partnership_type", "organization_name", "organization_type", "country", "region", "content_language",
    "licence", "project_description", "contact_name", "contact_email", "consent", "confirmed", "language",
}


def _domain() -> dict:
    merged: dict = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    merged["responses"] = merged_responses()
    return merged


def _code_actions() -> set[str]:
    # Every module under actions/, as rasa-sdk's action server imports them.
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = set()
    for cls in subclasses(Action):
        if cls.__module__.startswith("actions."):
            names.add(cls().name())
    return names


def _action_names() -> set[str]:
    """The domain's actions; an entry with options (`- name: {send_domain: …}`) is a mapping."""
    return {next(iter(entry)) if isinstance(entry, dict) else entry for entry in _domain()["actions"]}


def test_every_domain_action_exists_in_code_and_back():
    assert _action_names() == _code_actions()


def test_the_form_validation_is_sent_no_domain():
    """Rasa sends the ~115 KB domain to validate_* actions by default; ValidateIntakeForm reads
    none of it, so it is switched off (issue 15); the end-to-end intakes run it without one."""
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(DOMAIN))
    assert "validate_intake_form" in domain.action_names_or_texts
    assert domain.does_custom_action_explicitly_need_domain("validate_intake_form") is False


def test_contract_slots_exist_and_form_asks_known_slots():
    slots = _domain()["slots"]
    assert CONTRACT_SLOTS <= set(slots)
    assert list(_domain()["forms"]["intake_form"]["required_slots"]) == list(FORM_SLOTS)


def test_every_response_used_by_actions_exists():
    responses = set(_domain()["responses"])
    for slot in FORM_SLOTS[1:]:
        if slot != "field":
            assert f"utter_invalid_{slot}" in responses, slot
        assert f"utter_ask_{slot}" in responses or f"action_ask_{slot}" in _action_names(), slot
    for slot in ("partnership_type", "organization_type", "country", "region", "content_language", "licence"):
        assert f"utter_ask_{slot}_buttons" in responses


def test_every_response_has_a_variation_for_every_language():
    languages = set(supported_languages())
    for key, variations in merged_responses().items():
        have = {v["condition"][0]["value"] for v in variations}
        assert have == languages, f"{key} lacks {languages - have}"


def test_every_language_catalogue_has_every_label_and_value():
    english = load_catalog("en")
    for language in supported_languages():
        catalog = load_catalog(language)
        assert set(catalog.labels) == set(english.labels), language
        for slot in ("partnership_type", "organization_type", "licence"):
            assert set(catalog.values[slot]) == set(english.values[slot]), (language, slot)


def test_every_affiliate_row_validates_and_rules_reference_known_affiliates():
    router = default_router(ROOT / "data")
    assert len(router.directory.affiliates) == 169
    assert set(router.rules.affiliate_ids()) <= {a.id for a in router.directory.affiliates}
