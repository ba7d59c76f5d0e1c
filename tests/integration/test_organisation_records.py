"""Organisation records on real databases (bot/store/organization.py): spellings join one record,
uncertain ones are proposed, staff merge and split with history, continuity follows the record
(alias, e-mail domain, Wikidata item), concurrent first contacts make one record, and a lookup
among 10,000 organisations stays fast."""
from __future__ import annotations

import threading
import time
from itertools import count as counter

from fakes import FakeDecision
from sqlalchemy import func, insert, select, update
from test_store import make_inquiry as store_inquiry
from test_store import submit

from bot.intake.model import OrganizationType, Status
from bot.organisations.matching import matching_key
from bot.store import accepted_affiliate_for, change_status
from bot.store.clock import utcnow
from bot.store.organization import (
    merge_organizations,
    merge_proposal,
    organization_id_for,
    reject_proposal,
    root_of,
    split_organizations,
)
from bot.store.tables import (
    inquiries,
    organization_aliases,
    organization_merges,
    organization_name_words,
    organization_proposals,
    organizations,
)

LYON = "Musée d'Histoire de Lyon"


def make_inquiry(conversation_id: str, **changes: object):
    """test_store's inquiry with no contact e-mail unless given: its example.org would join all."""
    return store_inquiry(conversation_id, **{"contact_email": None, **changes})


def org_of(sessionmaker, reference: str) -> int:
    with sessionmaker.begin() as session:
        return session.scalar(select(inquiries.c.organization_id).where(inquiries.c.reference == reference))


def aliases(sessionmaker, org_id: int) -> list[str]:
    with sessionmaker.begin() as session:
        return sorted(session.scalars(select(organization_aliases.c.name)
                                      .where(organization_aliases.c.organization_id == org_id)))


def accept(sessionmaker, reference: str, affiliate: str = "wm-fr") -> None:
    with sessionmaker.begin() as session:
        assert change_status(session=session, reference=reference, to_status=Status.ACCEPTED, actor=affiliate)


def continuity(sessionmaker, name: str, country: str = "FR", email: str | None = None) -> str | None:
    with sessionmaker.begin() as session:
        return accepted_affiliate_for(session=session, organization_name=name, country=country, email=email)


def test_spellings_join_one_record_with_their_aliases(sessionmaker):
    first = submit(sessionmaker, make_inquiry("a", organization_name=LYON))
    second = submit(sessionmaker, make_inquiry("b", organization_name="le musee histoire lyon"))
    third = submit(sessionmaker, make_inquiry("c", organization_name="MUSÉE D’HISTOIRE DE LYON SARL"))
    other = submit(sessionmaker, make_inquiry("d", organization_name="Musée d'Histoire de Nantes"))
    belgian = submit(sessionmaker, make_inquiry("e", organization_name=LYON, country="BE"))
    org = org_of(sessionmaker, first.reference)
    assert org_of(sessionmaker, second.reference) == org == org_of(sessionmaker, third.reference)
    assert org_of(sessionmaker, other.reference) != org and org_of(sessionmaker, belgian.reference) != org
    assert aliases(sessionmaker, org) == ["MUSÉE D’HISTOIRE DE LYON SARL", LYON, "le musee histoire lyon"]
    with sessionmaker.begin() as session:
        row = session.execute(select(organization_aliases).where(
            organization_aliases.c.name == LYON, organization_aliases.c.organization_id == org)).one()
        assert row.first_seen_at <= row.last_seen_at
        assert session.scalar(select(func.count()).select_from(organization_proposals)) == 0


def test_domain_joins_only_organisational_mail_and_only_with_consent(sessionmaker):
    first = submit(sessionmaker, make_inquiry("a", organization_name=LYON, contact_email="c@musee-histoire-lyon.fr"))
    english = submit(sessionmaker, make_inquiry("b", organization_name="Lyon City History Museum",
                                                contact_email="d@musee-histoire-lyon.fr"))
    org = org_of(sessionmaker, first.reference)
    assert org_of(sessionmaker, english.reference) == org
    with sessionmaker.begin() as session:
        assert session.scalar(select(organizations.c.website_domain).where(organizations.c.id == org)) \
            == "musee-histoire-lyon.fr"
    webmail = submit(sessionmaker, make_inquiry("c", organization_name="Musée Gadagne", contact_email="x@gmail.com"))
    other_webmail = submit(sessionmaker, make_inquiry("d", organization_name="Musée des Confluences",
                                                      contact_email="y@gmail.com"))
    assert org_of(sessionmaker, webmail.reference) != org_of(sessionmaker, other_webmail.reference)
    unconsented = submit(sessionmaker, make_inquiry("e", organization_name="Lyon Heritage Trust", consent=False,
                                                    contact_email="z@musee-histoire-lyon.fr"))
    assert org_of(sessionmaker, unconsented.reference) != org
    with sessionmaker.begin() as session:
        domains = set(session.scalars(select(organizations.c.website_domain)))
    assert domains == {"musee-histoire-lyon.fr", None}  # no webmail, nothing without consent


def test_uncertain_match_makes_a_new_record_and_a_proposal(sessionmaker):
    prado = submit(sessionmaker, make_inquiry("a", organization_name="Museo Nacional del Prado", country="ES"))
    short = submit(sessionmaker, make_inquiry("b", organization_name="Museo del Prado", country="ES"))
    a, b = org_of(sessionmaker, prado.reference), org_of(sessionmaker, short.reference)
    assert a != b
    with sessionmaker.begin() as session:
        proposal = session.execute(select(organization_proposals)).one()
    assert (proposal.organization_id, proposal.other_id, proposal.status) == (b, a, "open")
    assert proposal.reason == "one name contains the other"
    with sessionmaker.begin() as session:
        assert reject_proposal(session=session, proposal_id=proposal.id, actor="staff@example.org")
        assert not reject_proposal(session=session, proposal_id=proposal.id, actor="staff@example.org")


def test_merge_moves_inquiries_and_aliases_and_split_undoes_it(sessionmaker):
    prado = submit(sessionmaker, make_inquiry("a", organization_name="Museo Nacional del Prado", country="ES"))
    short = submit(sessionmaker, make_inquiry("b", organization_name="Museo del Prado", country="ES"))
    keep, gone = org_of(sessionmaker, prado.reference), org_of(sessionmaker, short.reference)
    with sessionmaker.begin() as session:
        proposal_id = session.scalar(select(organization_proposals.c.id))
        merge_id = merge_proposal(session=session, proposal_id=proposal_id, actor="staff@example.org")
    assert org_of(sessionmaker, short.reference) == keep
    assert aliases(sessionmaker, keep) == ["Museo Nacional del Prado", "Museo del Prado"]
    with sessionmaker.begin() as session:
        assert root_of(session, gone) == keep
        merge = session.execute(select(organization_merges)).one()
        assert (merge.source_id, merge.target_id, merge.actor) == (gone, keep, "staff@example.org")
        assert session.scalar(select(organization_proposals.c.status)) == "merged"
    # A later inquiry under the merged spelling goes to the record it was merged into.
    later = submit(sessionmaker, make_inquiry("c", organization_name="museo del prado", country="ES"))
    assert org_of(sessionmaker, later.reference) == keep
    with sessionmaker.begin() as session:
        assert split_organizations(session=session, merge_id=merge_id, actor="staff@example.org") == gone
    assert org_of(sessionmaker, short.reference) == gone and org_of(sessionmaker, prado.reference) == keep
    assert aliases(sessionmaker, gone) == ["Museo del Prado"]
    with sessionmaker.begin() as session:
        assert root_of(session, gone) == gone
        assert session.scalar(select(organization_merges.c.split_by)) == "staff@example.org"
        try:
            split_organizations(session=session, merge_id=merge_id, actor="staff@example.org")
        except ValueError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a merge splits once")
        try:
            merge_organizations(session=session, source_id=keep, target_id=keep, actor="x")
        except ValueError:
            pass
        else:  # pragma: no cover
            raise AssertionError("not into itself")


def test_continuity_through_an_alias_a_domain_and_a_wikidata_item(sessionmaker):
    first = submit(sessionmaker, make_inquiry("a", organization_name=LYON, contact_email="c@musee-histoire-lyon.fr"))
    assert continuity(sessionmaker, "musee histoire lyon") is None  # routed, not accepted yet
    accept(sessionmaker, first.reference, "wm-fr")
    assert continuity(sessionmaker, "Le musée d'histoire de Lyon") == "wm-fr"  # an alias spelling
    assert continuity(sessionmaker, "Lyon History Museum") == "wm-fr"  # a translation close enough
    assert continuity(sessionmaker, "Lyon City History Museum") is None  # one that is not ...
    assert continuity(sessionmaker, "Lyon City History Museum", email="d@musee-histoire-lyon.fr") == "wm-fr"  # domain
    assert continuity(sessionmaker, "Lyon City History Museum", email="d@gmail.com") is None
    assert continuity(sessionmaker, "Musée d'Histoire de Nantes") is None
    assert continuity(sessionmaker, LYON, country="BE") is None
    # Wikidata: a record under another name, identified as the same item (by the worker, later).
    other = submit(sessionmaker, make_inquiry("b", organization_name="Gadagne", contact_email=None))
    other_org, first_org = org_of(sessionmaker, other.reference), org_of(sessionmaker, first.reference)
    assert continuity(sessionmaker, "Gadagne") is None
    with sessionmaker.begin() as session:
        for org in (first_org, other_org):
            session.execute(update(organizations).where(organizations.c.id == org).values(wikidata_id="Q3329534"))
    assert continuity(sessionmaker, "Gadagne") == "wm-fr"


def test_continuity_routes_a_second_spelling_end_to_end(sessionmaker):
    """The service's submit: an inquiry under another spelling routes by rule 1 to the affiliate
    that accepted the first (the real router and rules)."""
    from bot.intake.service import submit as service_submit
    from bot.routing import default_router

    router = default_router()
    first = submit(sessionmaker, make_inquiry("a", organization_name=LYON), FakeDecision(affiliate_id="wm-fr"))
    accept(sessionmaker, first.reference, "wm-fr")
    slots = {"partnership_type": "content_donation", "organization_name": "musee d histoire de lyon",
             "organization_type": OrganizationType.MUSEUM.value, "country": "FR", "language": "fr",
             "content_language": "fr", "project_description": "photos", "consent": False}
    got = service_submit(sessionmaker=sessionmaker, router=router, conversation_id="second", slots=slots)
    assert got.rule == "continuity" and got.affiliate.id == "wm-fr"


def test_concurrent_first_contacts_make_one_record(sessionmaker, engine):
    barrier = threading.Barrier(4)
    ids, errors = [], []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            with sessionmaker.begin() as session:
                ids.append(organization_id_for(session=session, name=LYON, org_type="museum", country="FR"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and len(set(ids)) == 1
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(organizations)) == 1
        assert connection.scalar(select(func.count()).select_from(organization_aliases)) == 1


def test_lookup_among_ten_thousand_organisations_is_fast(sessionmaker, db_url):
    """Candidates by country and key words, not a scan: 10,000 organisations, half in France."""
    numbers = counter()
    towns = ["Lyon", "Nantes", "Lille", "Rennes", "Dijon", "Tours", "Nancy", "Metz", "Caen", "Brest"]
    kinds = ["Musée", "Bibliothèque", "Archives", "Association", "Université", "Fondation", "Théâtre", "Galerie"]
    now = utcnow()
    with sessionmaker.begin() as session:
        orgs, alias_rows, words = [], [], []
        for i in range(10_000):
            n = next(numbers)
            name = f"{kinds[i % len(kinds)]} {towns[i % len(towns)]} Sammlung{n}"
            country = "FR" if i % 2 else ["DE", "ES", "BR", "EG", "GB"][i % 5]
            orgs.append({"id": n + 1, "name": name, "normalized_name": name.casefold(), "country": country,
                         "created_at": now})
            key = matching_key(name)
            alias_rows.append({"id": n + 1, "organization_id": n + 1, "name": name, "normalized_name": name.casefold(),
                               "match_key": key.text, "first_seen_at": now, "last_seen_at": now})
            words += [{"alias_id": n + 1, "word": w, "country": country} for w in set(key.tokens)]
        session.execute(insert(organizations), orgs)
        session.execute(insert(organization_aliases), alias_rows)
        session.execute(insert(organization_name_words), words)
    if db_url.startswith("postgresql"):
        with sessionmaker.begin() as session:  # the ids above were given, not drawn: move the sequences on
            for table in ("organizations", "organization_aliases"):
                session.execute(select(func.setval(f"{table}_id_seq", 10_000)))
    timings = []
    for i in range(40):
        start = time.perf_counter()
        with sessionmaker.begin() as session:
            got = organization_id_for(session=session, name=f"musee lyon sammlung{i * 8 + 1}" if i % 2 else
                                      f"Nouvelle Maison Lyon {i}", org_type=None, country="FR")
        timings.append(time.perf_counter() - start)
        assert got is not None
    timings.sort()
    median, worst = timings[len(timings) // 2], timings[-1]
    print(f"\norganisation lookup among 10,000 ({db_url.split(':')[0]}): median {median * 1000:.1f} ms, "
          f"max {worst * 1000:.1f} ms")
    assert median < 0.05


def test_migration_gives_existing_organisations_their_name_as_alias(db_url):
    """Organisations stored before 0012 keep matching: their name becomes their first alias."""
    from bot.store import make_engine, upgrade

    upgrade(db_url, "0011")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO organizations (name, normalized_name, country, created_at) "
                "VALUES ('Musée d''Histoire de Lyon', 'musee d histoire de lyon', 'FR', CURRENT_TIMESTAMP)")
        upgrade(db_url)
        with engine.begin() as connection:
            assert connection.execute(select(organization_aliases.c.match_key)).scalars().all() == \
                ["museum histoire lyon"]
            assert sorted(connection.execute(select(organization_name_words.c.word, organization_name_words.c.country))
                          .all()) == [("histoire", "FR"), ("lyon", "FR"), ("museum", "FR")]
    finally:
        engine.dispose()
