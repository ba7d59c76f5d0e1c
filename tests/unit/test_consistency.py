"""Consistency of the assistant's definition: domain <-> code, languages, data files."""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import yaml
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
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


CONSOLE = ROOT / "integrations" / "console"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extraction() -> tuple[dict, list[str]]:
    """The keywords and the directories of the Makefile's `pybabel extract` (messages-extract),
    read from its recipe so that this test extracts exactly what the build does."""
    recipe = next(line.split() for line in (ROOT / "Makefile").read_text().splitlines() if "pybabel extract" in line)
    keywords = parse_keywords([recipe[i + 1] for i, word in enumerate(recipe) if word == "-k"])
    return {**DEFAULT_KEYWORDS, **keywords}, recipe[recipe.index("-o") + 2:]


def _console_messages() -> set[str]:
    """The console's texts as `make messages-extract` finds them now (babel.cfg, its keywords and
    directories: the console's own texts and the core's wording and refusals it shows)."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    keywords, directories = _extraction()
    assert "integrations/console" in directories and "Refusal" in keywords and "Wording" in keywords
    found = set()
    for directory in directories:
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(ROOT / directory), method_map, options_map, keywords=keywords):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_console_text_is_translated_in_every_language_with_the_same_placeholders():
    """The console's catalogues (integrations/console/locale): one per language of the assistant
    but English (the msgids), each holding every text the templates and code mark, none fuzzy,
    none empty, and every translation using the msgid's placeholders (a plural form may leave
    the number out, as Arabic's "one" and "two" do)."""
    texts = _console_messages()
    assert len(texts) > 100
    catalogues = {path.parts[-3]: path for path in (CONSOLE / "locale").glob("*/LC_MESSAGES/console.po")}
    assert set(catalogues) == set(supported_languages()) - {"en"}
    for language, path in catalogues.items():
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        messages = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalogue if m.id}
        assert set(messages) == texts, (language, texts ^ set(messages))
        for msgid, message in messages.items():
            assert not message.fuzzy, (language, msgid)
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(forms), (language, msgid)
            expected = {name for text in ids for name in _PLACEHOLDER.findall(text)}
            used = [set(_PLACEHOLDER.findall(form)) for form in forms]
            assert all(names <= expected for names in used), (language, msgid)
            assert set().union(*used) == expected, (language, msgid)
            if len(ids) == 1:
                assert used[0] == expected, (language, msgid)
