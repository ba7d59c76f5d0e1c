"""`intake export-partnerships` against real databases: the public partnership history as CSV and
JSON, knowledge gaps and who to ask, and no personal data (the seeded contacts, descriptions,
first messages, notes and actors appear nowhere in the files)."""
from __future__ import annotations

import csv
import io
import json

import pytest
from fakes import FakeDecision
from sqlalchemy import select, update

from bot.cli import main
from bot.delivery.handover import accept
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry
from bot.store.console.inquiries import add_note
from bot.store.partnerships import Outcome, save_partnership
from bot.store.tables import inquiries

#: Everything personal the seed stores; none of it may be exported.
PERSONAL = ("Camille Martin", "camille.martin@musee-lyon.example", "Kofi Mensah", "kofi@gmail.example",
            "Our secret plan for 2,000 photos", "Hello, I am Camille", "call Camille on Monday",
            "marie@wikimedia-fr.example", "c-lyon", "c-accra")


@pytest.fixture
def database(db_url, engine, sessionmaker, monkeypatch) -> str:
    monkeypatch.setenv("INTAKE_DATABASE_URL", db_url)
    with sessionmaker.begin() as session:
        lyon = Inquiry(conversation_id="c-lyon", partnership_type=PartnershipType.CONTENT_DONATION,
                       organization_name="Musée d'Histoire de Lyon", organization_type=OrganizationType.MUSEUM,
                       country="FR", content_language="fr", description="Our secret plan for 2,000 photos",
                       contact_name="Camille Martin", contact_email="camille.martin@musee-lyon.example", consent=True)
        reference = submit_inquiry(session=session, inquiry=lyon, qualification=qualify(lyon),
                                   decision=FakeDecision(affiliate_id="wm-fr")).reference
        session.execute(update(inquiries).where(inquiries.c.reference == reference)
                        .values(opening="Hello, I am Camille"))
        accept(session=session, reference=reference, affiliate_id="wm-fr", actor="affiliate:wm-fr:marie@wikimedia-fr.example")
        inquiry_id = session.scalar(select(inquiries.c.id).where(inquiries.c.reference == reference))
        add_note(session=session, inquiry_id=inquiry_id, user_id=None, author="marie@wikimedia-fr.example",
                 body="call Camille on Monday", visibility="shared")
        save_partnership(session=session, inquiry_id=inquiry_id, actor="affiliate:wm-fr:marie@wikimedia-fr.example",
                         outcome=Outcome.parse({"status": "completed", "started_on": "2024-03-01",
                                                "ended_on": "2024-09-30", "files_uploaded": "2000",
                                                "commons_category": "Musée d'Histoire de Lyon",
                                                "public_summary": "2,000 photographs of Lyon's history."}))
        # An inquiry from a country and in a language no affiliate covers: a knowledge gap.
        accra = Inquiry(conversation_id="c-accra", partnership_type=PartnershipType.EDUCATION,
                        organization_name="Biblioteca Nacional d'Andorra", organization_type=OrganizationType.LIBRARY,
                        country="AD", content_language="tw", description="Our secret plan for 2,000 photos",
                        contact_name="Kofi Mensah", contact_email="kofi@gmail.example", consent=True)
        submit_inquiry(session=session, inquiry=accra, qualification=qualify(accra),
                       decision=FakeDecision(affiliate_id="wmf-partnerships"))
    return db_url


def test_the_export_holds_the_public_history_gaps_and_contacts_to_ask_and_no_personal_data(database, tmp_path):
    out = tmp_path / "public"
    assert main(["export-partnerships", "--out-dir", str(out)], stdin=io.StringIO(), stdout=io.StringIO()) == 0
    text_csv = (out / "partnerships.csv").read_text(encoding="utf-8")
    text_json = (out / "partnerships.json").read_text(encoding="utf-8")
    for personal in PERSONAL:
        assert personal not in text_csv and personal not in text_json, personal
    rows = list(csv.DictReader(io.StringIO(text_csv)))
    assert len(rows) == 1  # only the accepted inquiry is a partnership
    row = rows[0]
    assert (row["organization"], row["country"], row["affiliate_id"], row["status"], row["files_uploaded"],
            row["ended_on"]) == ("Musée d'Histoire de Lyon", "FR", "wm-fr", "completed", "2000", "2024-09-30")
    assert row["public_summary"] == "2,000 photographs of Lyon's history."
    document = json.loads(text_json)
    assert document["partnerships"][0]["outcomes"]["commons_category"] == "Musée d'Histoire de Lyon"
    gaps = document["knowledge_gaps"]
    assert [g["country"] for g in gaps["countries"]] == ["AD"]
    assert {g["language"] for g in gaps["languages"]} == {"tw"}
    france = next(c for c in document["who_to_ask"] if c["country"] == "FR")
    assert "wm-fr" in {a["id"] for a in france["affiliates"]}
    assert all(c["affiliates"] for c in document["who_to_ask"])


def test_an_output_path_that_is_a_file_is_bad_usage(database, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["export-partnerships", "--out-dir", str(target)], stdin=io.StringIO(), stdout=io.StringIO()) == 2
