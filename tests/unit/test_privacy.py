"""Redaction of free text and sealing of contact answers (bot/privacy), without a database."""
from __future__ import annotations

import pytest

from bot.i18n.catalog import supported_languages
from bot.privacy import sealing, vault
from bot.privacy.redaction import PLACEHOLDERS, redact


@pytest.mark.parametrize("text", [
    "write to jane@museum.org", "Jänë.Dœ@musée.fr", "call +33 1 23 45 67 89", "tel (030) 1234567",
    "555-123-4567", "ring 0612345678", "WhatsApp +55 11 98765-4321", "هاتف ٠١٢٣٤٥٦٧٨٩",
])
def test_addresses_and_numbers_are_removed(text):
    out = redact(text, "en")
    assert out != text and ("[e-mail address removed]" in out or "[phone number removed]" in out)
    assert "@" not in out and sum(ch.isdigit() for ch in out) < 4


@pytest.mark.parametrize("text", [
    "We have 2,000 photos and 150 000 000 items", "from 2019-2024, updated 2026-12-06", "CC BY-SA 4.0, 1200 files",
    "Q12345678", "12345678 images", "1.200.000 Seiten", "between 1990 - 2000", "@WikimediaDE on social media",
])
def test_amounts_dates_and_handles_are_kept(text):
    assert redact(text, "en") == text


def test_placeholders_exist_in_every_language():
    for kind, texts in PLACEHOLDERS.items():
        assert set(supported_languages()) <= set(texts), kind
    assert redact("mail: a@b.org", "ar") == "mail: [حُذف عنوان البريد الإلكتروني]"


def state(**slots) -> sealing.ConversationState:
    found = sealing.ConversationState()
    for name, value in slots.items():
        found.follow({"event": "slot", "name": name, "value": value})
    return found


def test_contact_slots_and_answers_after_consent_are_sealed():
    slot = sealing.for_storage({"event": "slot", "name": "contact_email", "value": "a@b.org"}, state())
    assert slot.visible["value"] is None and slot.secret["value"] == "a@b.org"
    answer = sealing.for_storage({"event": "user", "text": "Ana Lima", "parse_data": {"text": "Ana Lima"}},
                                 state(consent=True, requested_slot="contact_name", language="pt"))
    assert answer.visible["text"] == "[dados de contato]" and answer.secret["text"] == "Ana Lima"
    # Without consent the same question is never asked: a message is free text.
    plain = sealing.for_storage({"event": "user", "text": "Ana Lima"}, state(requested_slot="contact_name"))
    assert plain.secret is None and plain.visible["text"] == "Ana Lima"


def test_a_summary_repeating_the_contact_is_sealed_with_the_values_hidden():
    known = state(consent=True, contact_name="Ana Lima", contact_email="ana@museu.br", language="en")
    summary = sealing.for_storage({"event": "bot", "text": "Contact: ANA LIMA <ana@museu.br>", "data": {}}, known)
    assert summary.visible["text"] == "Contact: [contact details] <[contact details]>"
    assert sealing.opened({**summary.visible, sealing.SEALED: "x"}, summary.secret) == {
        "event": "bot", "text": "Contact: ANA LIMA <ana@museu.br>", "data": {}}


def test_consent_withdrawn_is_recognised_only_after_consent():
    assert sealing.withdraws_consent(state(consent=True), {"event": "slot", "name": "consent", "value": False})
    assert not sealing.withdraws_consent(state(), {"event": "slot", "name": "consent", "value": False})


def test_the_vault_opens_with_its_key_only():
    key, other = vault.new_key(), vault.new_key()
    envelope = vault.seal({"event": "slot", "name": "contact_name", "value": "Ana"}, key)
    assert vault.unseal(envelope, key)["value"] == "Ana"
    assert vault.unseal(envelope, other) is None and vault.unseal(envelope, None) is None
    stored = [{"event": "slot", "name": "contact_name", "value": None, sealing.SEALED: envelope}]
    assert vault.open_all(stored, None) == [{"event": "slot", "name": "contact_name", "value": None}]


def test_the_client_hash_is_not_kept_in_the_transcript():
    stored = sealing.for_storage({"event": "user", "text": "hello", "metadata": {"intake_client": "ab12", "language": "en"}},
                                 state())
    assert stored.visible["metadata"] == {"language": "en"}


def test_storing_an_event_never_changes_the_event_rasa_holds():
    import copy

    event = {"event": "user", "text": "Write to ana@museu.br or +33 6 12 34 56 78",
             "parse_data": {"text": "Write to ana@museu.br or +33 6 12 34 56 78", "intent": {"name": "inform"},
                            "entities": [{"entity": "email", "value": "ana@museu.br"}, {"entity": "x"}]},
             "metadata": {"language": "en", "notes": ["call +33 6 12 34 56 78"]}}
    before = copy.deepcopy(event)
    stored = sealing.for_storage(event, state())
    assert event == before
    visible = stored.visible
    assert "ana@museu.br" not in str(visible) and "12 34 56 78" not in str(visible)
    assert visible["parse_data"]["entities"][1] == {"entity": "x"}
    assert visible["parse_data"]["intent"] == {"name": "inform"}
    # What was redacted is a copy: the original's containers are not the stored ones.
    assert visible["parse_data"] is not event["parse_data"] and visible["metadata"] is not event["metadata"]
    assert visible["parse_data"]["entities"][0] is not event["parse_data"]["entities"][0]
