"""Screenshots of the console as its people see it, for issue 16's before/after note
(docs/screenshots/console/README.md).

Seeds a fresh SQLite database in a temporary directory with a small, realistic data set (a staff
user, a volunteer of Wikimédia France, one of the Egypt user group whose account is in Arabic,
thirteen inquiries across types, countries and statuses (one deflected), their conversations, a hand-off waiting
for a person, a dead delivery), serves the real console on a free port and saves full-page
screenshots of the home, the inquiry list, an inquiry, its transcript and the dashboard, for staff
and the affiliate, at 360 x 740 and 1280 x 900 (Debian's Chromium through Playwright), then prints
each page's rendered height and scroll width.

It runs unchanged at commit 389019e (before the issue-16 console work) and after it: it uses only
store functions that exist at both, and what came later (closing with a reason, an account's
language) only when it is there. Run from the checkout to photograph, with it on PYTHONPATH:

    PYTHONPATH=$PWD .venv/bin/python tests/bench/console_screenshots.py --out DIR
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from live_console import live_console  # noqa: E402
from PIL import Image  # noqa: E402
from rasa_events import (  # noqa: E402
    action,
    active_loop,
    bot,
    create_events_table,
    session_started,
    slot,
    user,
    write_events,
)
from sqlalchemy import insert, select, update  # noqa: E402

from bot.delivery.lifecycle import accept_inquiry, reroute_inquiry, set_response_due  # noqa: E402
from bot.intake.model import Inquiry, Licence, OrganizationType, PartnershipType, Status, qualify  # noqa: E402
from bot.routing import default_router  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.staff.passwords import hash_password  # noqa: E402
from bot.store import (  # noqa: E402
    DeliveryTarget,
    change_status,
    claim_deliveries,
    enqueue_deliveries,
    make_engine,
    make_sessionmaker,
    mark_failed,
    record_deflection,
    submit_inquiry,
    upgrade,
)
from bot.store.accounts.users import add_user  # noqa: E402
from bot.store.handoffs import request_handoff  # noqa: E402
from bot.store.tables import console_presence, inquiries, routing_decisions, status_history, users  # noqa: E402

PASSWORD = "a long enough password for screenshots"
STAFF = "partnerships.staff@console-shots.example"
FR = "benevole.france@console-shots.example"
EG = "mutatawwi.misr@console-shots.example"
VIEWPORTS = {360: {"width": 360, "height": 740}, 1280: {"width": 1280, "height": 900}}
#: A committed image above this (after reducing it to 256 colours) is taken again as a JPEG
#: (quality 70), then cut to MAX_HEIGHT.
MAX_BYTES = 400_000
MAX_HEIGHT = 8000
LONG_NAME = "Musée départemental d'art contemporain et des Archives photographiques de Haute-Provence"


@dataclass
class Seed:
    """One inquiry: who the organisation is, what became of it, and the conversation it came from."""

    key: str
    days_ago: float
    ptype: PartnershipType
    name: str
    kind: OrganizationType
    country: str
    language: str
    description: str
    #: routed, accepted, declined (moved on to the next alternative), overdue, held, spam, done
    fate: str
    licence: Licence | None = None
    contact: tuple[str, str] | None = None
    answers: dict[str, str] = field(default_factory=dict)
    #: How long its affiliate took to accept it (accepted and done ones).
    accept_hours: float = 30


SEEDS = [
    Seed("lyon", 1.2, PartnershipType.CONTENT_DONATION, LONG_NAME, OrganizationType.MUSEUM, "FR", "fr",
         "Verser sur Wikimedia Commons 2 400 photographies numérisées de nos fonds (1880-1950), "
         "avec leurs légendes et la liste des photographes, sous licence CC BY-SA.",
         "routed", Licence.CC_BY_SA, ("Camille Fèvre-Laurençon", "c.fevre@musee-hauteprovence.example"),
         {"ptype": "Nous aimerions donner des photos de nos collections à Wikimedia Commons",
          "kind": "un musée", "country": "France", "licence": "CC BY-SA"}),
    Seed("nice", 12, PartnershipType.CONTENT_DONATION, "Bibliothèque municipale à vocation régionale de Nice",
         OrganizationType.LIBRARY, "FR", "fr",
         "Numériser et verser nos cartes postales anciennes de la Côte d'Azur (environ 900 documents).",
         "accepted", Licence.PUBLIC_DOMAIN, ("Hélène Giraud", "h.giraud@bmvr-nice.example"),
         {"ptype": "Un don de cartes postales anciennes", "kind": "bibliothèque", "country": "France",
          "licence": "domaine public"}, accept_hours=52),
    Seed("grenoble", 9, PartnershipType.EDUCATION, "Université Grenoble Alpes", OrganizationType.UNIVERSITY, "FR", "fr",
         "Un cours de master où les étudiants améliorent les articles de Wikipédia sur la glaciologie.",
         "overdue", None, ("Rémi Château", "remi.chateau@univ-grenoble.example"),
         {"ptype": "un cours avec des étudiants", "kind": "université", "country": "France"}),
    Seed("arles", 16, PartnershipType.EVENT, "Festival des Rencontres de la photographie d'Arles",
         OrganizationType.NONPROFIT, "FR", "fr",
         "Un éditathon pendant le festival, en juillet, sur les photographes exposés.",
         "declined", None, ("Inès Barthélémy", "ines@rencontres-arles.example"),
         {"ptype": "un éditathon", "kind": "association", "country": "France"}),
    Seed("osm", 30, PartnershipType.TECHNOLOGY, "Association OpenStreetMap France", OrganizationType.NONPROFIT, "FR", "fr",
         "Relier les lieux patrimoniaux d'OpenStreetMap aux éléments Wikidata correspondants.",
         "done", None, ("Léa Moreau", "lea.moreau@openstreetmap-france.example"),
         {"ptype": "un projet technique avec Wikidata", "kind": "association", "country": "France"},
         accept_hours=9),
    Seed("berlin", 20, PartnershipType.DATA_DONATION, "Deutsches Historisches Museum", OrganizationType.MUSEUM, "DE", "de",
         "Open data of 12,000 object records (Objektdaten) for Wikidata, CC0.",
         "accepted", Licence.CC0, ("Jürgen Weiß", "j.weiss@dhm.example"), accept_hours=4),
    Seed("madrid", 6, PartnershipType.CONTENT_DONATION, "Biblioteca Nacional de España", OrganizationType.LIBRARY, "ES", "es",
         "Grabados del siglo XIX de la Biblioteca Digital Hispánica para Wikimedia Commons.",
         "routed", Licence.PUBLIC_DOMAIN, ("María José Núñez", "mj.nunez@bne.example")),
    Seed("lagos", 4, PartnershipType.EDUCATION, "University of Lagos", OrganizationType.UNIVERSITY, "NG", "en",
         "A Wikipedia assignment for 60 history students, writing about Yoruba towns.",
         "routed", None, ("Adaeze Okafor", "a.okafor@unilag.example")),
    Seed("saopaulo", 25, PartnershipType.CONTENT_DONATION, "Museu Paulista da Universidade de São Paulo",
         OrganizationType.MUSEUM, "BR", "pt", "Fotografias históricas de São Paulo (1860-1930) para o Commons.",
         "accepted", Licence.CC_BY, ("João Conceição", "joao@mp.usp.example"), accept_hours=75),
    Seed("mexico", 2, PartnershipType.RESEARCH, "Hemeroteca Nacional de México", OrganizationType.ARCHIVE, "MX", "es",
         "Investigación sobre el uso de periódicos digitalizados como fuentes en Wikipedia.",
         "held", None, None),
    Seed("seo", 3, PartnershipType.MEDIA, "Best SEO Backlinks Ltd", OrganizationType.COMPANY, "US", "en",
         "We offer high quality backlinks from Wikipedia for your brand, contact us for prices!!!",
         "spam", None, ("Mark", "mark@seo-backlinks.example")),
    Seed("cairo", 0.6, PartnershipType.CONTENT_DONATION, "مكتبة الإسكندرية", OrganizationType.LIBRARY, "EG", "ar",
         "إتاحة ٣٠٠ مخطوطة عربية مرقمنة على ويكيميديا كومنز مع بياناتها الوصفية.",
         "routed", Licence.PUBLIC_DOMAIN, ("منى عبد الرحمن", "mona@bibalex.example")),
]

QUESTIONS = {
    "fr": {"greet": "Bonjour ! Je suis l'assistant des partenariats Wikimedia. Que souhaitez-vous faire ?",
           "start": "Proposer un partenariat",
           "ptype": "Quel type de partenariat envisagez-vous ?",
           "name": "Quel est le nom de votre organisation ?",
           "kind": "De quel type d'organisation s'agit-il — musée, bibliothèque, archives, université, "
                   "entreprise, association ou autre ?",
           "country": "Dans quel pays votre organisation est-elle établie ?",
           "licence": "Sous quelle licence ces contenus peuvent-ils être diffusés ?",
           "description": "En une ou deux phrases, que souhaiteriez-vous faire ensemble ?",
           "contact_name": "Quel est votre nom ?",
           "contact_email": "Et à quelle adresse e-mail l'affilié peut-il vous joindre ?",
           "consent": "Pouvons-nous conserver votre nom et votre adresse e-mail afin qu'un affilié Wikimedia "
                      "puisse vous recontacter au sujet de cette demande ?",
           "yes": "Oui, c'est d'accord", "no": "Non, merci",
           "done": "Merci ! Votre numéro de référence est {reference}. Vous serez contacté(e) prochainement."},
    "en": {"greet": "Hello! I'm the Wikimedia partnerships assistant. What would you like to do?",
           "start": "Propose a partnership",
           "ptype": "What kind of partnership do you have in mind?",
           "name": "What is the name of your organisation?",
           "kind": "What kind of organisation is it — a museum, library, archive, university, company, "
                   "non-profit, or something else?",
           "country": "In which country is your organisation based?",
           "licence": "Under which licence can the material be shared?",
           "description": "In a sentence or two, what would you like to do together?",
           "contact_name": "What is your name?",
           "contact_email": "And at which e-mail address can the affiliate reach you?",
           "consent": "May we store your name and e-mail address so that a Wikimedia affiliate can contact you "
                      "about this inquiry?",
           "yes": "Yes, you may", "no": "No, thanks",
           "done": "Thank you! Your reference is {reference}. You will hear from us soon."},
    "ar": {"greet": "مرحبًا! أنا مساعد شراكات ويكيميديا. ماذا تودّون أن تفعلوا؟",
           "start": "اقتراح شراكة",
           "ptype": "ما نوع الشراكة التي تفكرون فيها؟",
           "name": "ما اسم مؤسستكم؟",
           "kind": "ما نوع مؤسستكم؟ متحف، أو مكتبة، أو أرشيف، أو جامعة، أو شركة، أو منظمة غير ربحية، أو غير ذلك؟",
           "country": "في أي بلد يقع مقر مؤسستكم؟",
           "licence": "بأي ترخيص يمكن نشر هذه المواد؟",
           "description": "في جملة أو جملتين، ماذا تودّون أن نفعل معًا؟",
           "contact_name": "ما اسمكم؟",
           "contact_email": "وما عنوان البريد الإلكتروني الذي يمكن للفرع التواصل معكم عليه؟",
           "consent": "هل يمكننا حفظ اسمكم وعنوان بريدكم الإلكتروني ليتواصل معكم أحد فروع ويكيميديا بشأن هذا الطلب؟",
           "yes": "نعم، أوافق", "no": "لا، شكرًا",
           "done": "شكرًا لكم! الرقم المرجعي لطلبكم هو {reference}. سيتواصل معكم أحد قريبًا."},
}
DEFAULT_ANSWERS = {
    "en": {"ptype": "We would like to work with Wikipedia", "kind": "{kind}", "country": "{country}", "licence": "CC BY"},
    "ar": {"ptype": "نريد إتاحة مخطوطاتنا المرقمنة على ويكيميديا كومنز", "kind": "مكتبة", "country": "مصر",
           "licence": "ملكية عامة"},
}


def conversation_id(seed_key: str) -> str:
    return f"shots-{seed_key}-0123456789abcdef0123456789abcdef"


def transcript(seed: Seed, reference: str, start: float) -> list[dict]:
    """The conversation a partner had with the assistant, as Rasa stores it: button clicks as their
    payloads, each answer's slot set by the form's extraction and again by its validation."""
    lang = seed.language if seed.language in QUESTIONS else "en"
    q = QUESTIONS[lang]
    answers = {**DEFAULT_ANSWERS.get(lang, DEFAULT_ANSWERS["en"]), **seed.answers}
    t = start
    out: list[dict] = []

    def tick(seconds: float = 2.0) -> float:
        nonlocal t
        t += seconds
        return t

    out += [session_started(t=tick()), action("action_session_start", t=tick(0.1)),
            slot("language", lang, t=tick(0.1)), action("action_listen", t=tick(0.1)),
            user({"fr": "Bonjour", "ar": "مرحبا"}.get(lang, "Hello"), "greet", 0.98, t=tick(20)),
            bot(q["greet"], t=tick(), buttons=[{"title": q["start"], "payload": "/start_intake"}]),
            action("action_listen", t=tick(0.1)),
            user("/start_intake", "start_intake", 1.0, t=tick(15)),
            action("intake_form", t=tick(0.2)), active_loop("intake_form", t=tick(0.1))]
    steps = [("partnership_type", "ptype", seed.ptype.value, answers.get("ptype")),
             ("organization_name", "name", seed.name, seed.name),
             ("organization_type", "kind", seed.kind.value, answers.get("kind", seed.kind.value)),
             ("country", "country", seed.country, answers.get("country", seed.country))]
    if seed.licence is not None:
        steps.append(("licence", "licence", seed.licence.value, answers.get("licence", seed.licence.value)))
    steps.append(("project_description", "description", seed.description, seed.description))
    if seed.contact:
        steps += [("contact_name", "contact_name", seed.contact[0], seed.contact[0]),
                  ("contact_email", "contact_email", seed.contact[1], seed.contact[1])]
    for slot_name, question, value, said in steps:
        said = (said or str(value)).format(kind=seed.kind.value, country=seed.country)
        out += [slot("requested_slot", slot_name, t=tick(0.2)), bot(q[question], t=tick(0.3)),
                action("action_listen", t=tick(0.1)),
                user(said, "inform", 0.87, t=tick(25 + 3 * len(said) / 10)),
                slot(slot_name, value, t=tick(0.2)), action("intake_form", t=tick(0.1)),
                slot(slot_name, value, t=tick(0.1))]
    if seed.contact:
        out += [slot("requested_slot", "consent", t=tick(0.2)),
                bot(q["consent"], t=tick(0.3), buttons=[{"title": q["yes"], "payload": "/affirm"},
                                                         {"title": q["no"], "payload": "/deny"}]),
                action("action_listen", t=tick(0.1)), user("/affirm", "affirm", 1.0, t=tick(12)),
                slot("consent", True, t=tick(0.2)), slot("consent", True, t=tick(0.1))]
    out += [slot("requested_slot", None, t=tick(0.2)), active_loop(None, t=tick(0.1)),
            action("action_submit_inquiry", t=tick(0.2)), bot(q["done"].format(reference=reference), t=tick(0.5)),
            action("action_listen", t=tick(0.1))]
    return out


def abandoned(key: str, start: float, fallback: bool) -> tuple[str, list[dict]]:
    """A partner who stopped at the question of their organisation's name."""
    q = QUESTIONS["en"]
    t = start
    rows = [session_started(t=t), user("hi, can you help me donate old maps?", "start_intake", 0.7, t=t + 15),
            action("intake_form", t=t + 16), active_loop("intake_form", t=t + 16.1),
            slot("requested_slot", "organization_name", t=t + 16.2), bot(q["name"], t=t + 16.5)]
    if fallback:
        rows.append(user("why do you need that", "nlu_fallback", 0.31, t=t + 60))
    return f"shots-abandoned-{key}-0123456789abcdef0123456789abcdef", rows


def backdate(session, inquiry_id: int, when: datetime) -> None:
    """The rows `submit_inquiry` wrote now, as if the partner had sent them at `when`."""
    session.execute(update(inquiries).where(inquiries.c.id == inquiry_id).values(created_at=when))
    session.execute(update(routing_decisions).where(routing_decisions.c.inquiry_id == inquiry_id).values(created_at=when))
    session.execute(update(status_history).where(status_history.c.inquiry_id == inquiry_id).values(created_at=when))


def close(session, reference: str, reason: str, when: datetime) -> None:
    """Closed with a reason: the store's close_inquiry where it exists (after issue 16), else the
    plain status change with the reason written in the history (before)."""
    try:
        from bot.delivery.lifecycle import close_inquiry
        from bot.intake.closing import CloseReason
    except ImportError:
        change_status(session=session, reference=reference, to_status=Status.CLOSED, actor="staff", reason=reason)
        return
    close_inquiry(session=session, reference=reference, reason=CloseReason(reason), actor=STAFF, now=when)


def set_account_language(session, email: str, language: str) -> None:
    """The account's language, where accounts have one (after issue 16)."""
    try:
        from bot.store.accounts.users import set_language
    except ImportError:
        return
    user_id = session.scalar(select(users.c.id).where(users.c.email == email))
    set_language(session=session, user_id=user_id, language=language)


def seed(url: str) -> dict:
    """The data set; returns the references and conversation ids the pages show."""
    upgrade(url)
    engine = make_engine(url)
    create_events_table(engine)
    sessionmaker = make_sessionmaker(engine)
    router = default_router()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    refs: dict[str, str] = {}
    conversations: list[tuple[str, list[dict]]] = []
    with sessionmaker.begin() as session:
        for email, affiliate in ((STAFF, None), (FR, "wm-fr"), (EG, "ug-egy")):
            add_user(session=session, email=email, role="affiliate" if affiliate else "staff", affiliate_id=affiliate,
                     password_hash=hash_password(PASSWORD))
        set_account_language(session, EG, "ar")
        # Staff have the hand-off inbox open, so that a partner asking for a person waits for one.
        staff_id = session.scalar(select(users.c.id).where(users.c.email == STAFF))
        session.execute(insert(console_presence).values(user_id=staff_id, last_seen_at=now,
                                                        available_until=now + timedelta(days=2)))
        for item in SEEDS:
            when = now - timedelta(days=item.days_ago)
            inquiry = Inquiry(conversation_id=conversation_id(item.key), partnership_type=item.ptype,
                              language=item.language, organization_name=item.name, organization_type=item.kind,
                              country=item.country, content_language=item.language, licence=item.licence,
                              description=item.description, opening=item.answers.get("ptype"),
                              contact_name=item.contact[0] if item.contact else None,
                              contact_email=item.contact[1] if item.contact else None,
                              consent=item.contact is not None)
            held = item.fate == "held"
            stored = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                    decision=None if held else router.route(inquiry),
                                    status=Status.NEEDS_REVIEW if held else Status.ROUTED)
            backdate(session, stored.id, when)
            refs[item.key] = stored.reference
            affiliate = session.scalar(select(routing_decisions.c.affiliate_id).where(
                routing_decisions.c.inquiry_id == stored.id, routing_decisions.c.is_current.is_(True)))
            if item.fate in ("routed", "overdue", "declined"):
                due = when + timedelta(days=7) if item.fate != "overdue" else now - timedelta(hours=20)
                set_response_due(session=session, decision_id=stored.decision_id, due_at=due)
            if item.fate in ("accepted", "done"):
                accept_inquiry(session=session, reference=stored.reference, affiliate_id=affiliate,
                               actor=FR if affiliate == "wm-fr" else affiliate,
                               now=when + timedelta(hours=item.accept_hours))
            if item.fate == "declined":
                reroute_inquiry(session=session, reference=stored.reference, actor=FR,
                                reason="pas de bénévoles disponibles en juillet", now=when + timedelta(days=2))
            if item.fate == "done":
                close(session, stored.reference, "done", when + timedelta(days=20))
            if item.fate == "spam":
                close(session, stored.reference, "spam", when + timedelta(hours=2))
            start = when.timestamp() - 300
            conversations.append((conversation_id(item.key), transcript(item, stored.reference, start)))
        # The Madrid chapter's webhook is gone: a dead delivery on the staff's list.
        madrid = session.scalar(select(inquiries.c.id).where(inquiries.c.reference == refs["madrid"]))
        decision = session.scalar(select(routing_decisions.c.id).where(routing_decisions.c.inquiry_id == madrid))
        enqueue_deliveries(session=session, inquiry_id=madrid, decision_id=decision, affiliate_id="wm-es",
                           targets=[DeliveryTarget("webhook", {"url": "https://intake.wikimedia.es.example/hook"})])
        for job in claim_deliveries(session=session, worker_id="shots"):
            mark_failed(session=session, delivery_id=job.delivery_id, worker_id="shots", error="HTTP 410 Gone",
                        final=True)
        deflected = conversation_id("article")
        record_deflection(session=session, conversation_id=deflected, language="en",
                          organization_name="Smith & Sons Plumbing",
                          description="I want a Wikipedia article about my company")
    for i, (days, fallback) in enumerate(((2, True), (8, False), (15, True), (27, False))):
        conversations.append(abandoned(str(i), (now - timedelta(days=days)).timestamp(), fallback))
    for sender, rows in conversations:
        write_events(engine, sender, rows)
    with sessionmaker.begin() as session:
        # The Grenoble partner asked for a person after sending the inquiry; nobody has answered yet.
        request_handoff(session, conversation_id=conversation_id("grenoble"), language="fr",
                        now=now - timedelta(minutes=3), live=True)
    engine.dispose()
    return {"refs": refs}


def pages(data: dict, who: str) -> dict[str, str]:
    key = "cairo" if who == "affiliate-ar" else "lyon"
    out = {"home": "/console/", "inquiries": "/console/inquiries",
           "inquiry": f"/console/inquiries/{data['refs'][key]}",
           "transcript": f"/console/conversations/{conversation_id(key)}", "dashboard": "/console/dashboard"}
    if who == "affiliate-ar":
        out = {name: out[name] for name in ("home", "inquiry")}
    return out


def save(page, out: Path, name: str) -> Path:
    """A full-page PNG in 256 colours (crisp text, a third of the bytes: the images are committed);
    a JPEG when still too heavy, cut to MAX_HEIGHT when even that is."""
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as shot:
        # Fast octree keeps small areas of colour (a red badge) that median cut averages away.
        small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    if path.stat().st_size <= MAX_BYTES:
        return path
    path.unlink()
    path = out / f"{name}.jpg"
    page.screenshot(path=str(path), full_page=True, type="jpeg", quality=70)
    if path.stat().st_size > MAX_BYTES:
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(path), full_page=True, type="jpeg", quality=70,
                        clip={"x": 0, "y": 0, "width": width, "height": MAX_HEIGHT})
    return path


def photograph(base: str, data: dict, out: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    accounts = [("staff", STAFF, "en-GB", "Europe/Paris", (360, 1280)),
                ("affiliate", FR, "fr-FR", "Europe/Paris", (360, 1280)),
                ("affiliate-ar", EG, "ar-EG", "Africa/Cairo", (360,))]
    measured = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            for who, email, locale, zone, widths in accounts:
                for width in widths:
                    context = browser.new_context(viewport=VIEWPORTS[width], locale=locale, timezone_id=zone)
                    page = context.new_page()
                    page.goto(base + "/console/login")
                    page.fill("#email", email)
                    page.fill("#password", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_url("**/console/")
                    for name, path in pages(data, who).items():
                        response = page.goto(base + path)
                        page.wait_for_load_state("networkidle")
                        size = page.evaluate("({height: document.documentElement.scrollHeight,"
                                             " width: document.documentElement.scrollWidth})")
                        file = save(page, out, f"{who}-{name}-{width}")
                        measured.append({"who": who, "page": name, "viewport": width, "status": response.status,
                                         "height": size["height"], "scroll_width": size["width"],
                                         "file": file.name, "bytes": file.stat().st_size})
                        print(f"{file.name:<34} HTTP {response.status}  {size['height']:>6} px tall  "
                              f"{size['width']:>5} px wide  {file.stat().st_size // 1024:>4} KB", flush=True)
                    context.close()
        finally:
            browser.close()
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the images and measurements.json")
    args = parser.parse_args()
    # Alembic's SQLite reflection of an expression index (after issue 17): nothing to act on here.
    warnings.filterwarnings("ignore", message="Skipped unsupported reflection")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for old in (*out.glob("*.png"), *out.glob("*.jpg")):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="console-shots-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'intake.db'}"
        data = seed(url)
        with live_console(Settings(database_url=url, session_secret="a-session-secret-for-screenshots")) as base:
            measured = photograph(base, data, out)
    (out / "measurements.json").write_text(json.dumps(measured, indent=1) + "\n", encoding="utf-8")
    print("\nAt 360 px: rendered height x scroll width (px)")
    for row in measured:
        if row["viewport"] == 360:
            print(f"  {row['who']:<13} {row['page']:<11} {row['height']:>6} x {row['scroll_width']:>4}")
    print(f"{len(measured)} images, {sum(r['bytes'] for r in measured) / 1e6:.1f} MB in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
