"""Seeded partners: what each one means to say (the intended values) and how it behaves.

The intended values are the contract's (DESIGN.md, Slots); how they are said comes from the
phrase banks (phrases.py). Places are the simulator's own: some cities are in the assistant's
gazetteer and some are not, as with real partners.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from babel import Locale, numbers

from tests.simulation.phrases import bank, fill

# (country, [(city, region or None)]) per conversation language.
PLACES: dict[str, list[tuple[str, list[tuple[str, str | None]]]]] = {
    "en": [("GB", [("Manchester", None), ("Bristol", None), ("Leeds", None)]),
           ("US", [("Columbus", "US-OH"), ("Austin", "US-TX"), ("Denver", "US-CO"), ("Tampa", "US-FL")]),
           ("IN", [("Kochi", "IN-KL"), ("Pune", "IN-MH")]),
           ("NG", [("Lagos", "NG-LA"), ("Kano", "NG-KN")]),
           ("KE", [("Nairobi", None), ("Mombasa", None)]), ("AU", [("Perth", None), ("Brisbane", None)]),
           ("CA", [("Calgary", None)]), ("IE", [("Cork", None)]), ("GH", [("Accra", None)]),
           ("ZA", [("Durban", None)]), ("IS", [("Akureyri", None)])],
    "es": [("ES", [("Sevilla", None), ("Valencia", None), ("Bilbao", None), ("Zaragoza", None)]),
           ("MX", [("Guadalajara", None), ("Puebla", None)]), ("AR", [("Rosario", None), ("Mendoza", None)]),
           ("CO", [("Medellín", None), ("Cali", None)]), ("PE", [("Arequipa", None)]), ("CL", [("Valparaíso", None)]),
           ("US", [("Miami", "US-FL"), ("Houston", "US-TX")]), ("GT", [("Quetzaltenango", None)]),
           ("UY", [("Montevideo", None)]), ("VE", [("Maracaibo", None)])],
    "fr": [("FR", [("Lyon", None), ("Nantes", None), ("Lille", None), ("Orléans", None)]),
           ("BE", [("Liège", None), ("Namur", None)]), ("CH", [("Lausanne", None), ("Genève", None)]),
           ("CA", [("Montréal", None), ("Québec", None)]), ("SN", [("Dakar", None)]),
           ("CI", [("Abidjan", None)]), ("MA", [("Rabat", None)]), ("TN", [("Sfax", None)]),
           ("CM", [("Douala", None)]), ("CD", [("Lubumbashi", None)])],
    "pt": [("BR", [("Recife", None), ("Curitiba", None), ("Salvador", None), ("Belém", None)]),
           ("PT", [("Porto", None), ("Braga", None), ("Coimbra", None)]),
           ("AO", [("Luanda", None)]), ("MZ", [("Maputo", None)]), ("CV", [("Praia", None)])],
    "de": [("DE", [("Köln", None), ("Leipzig", None), ("Hamburg", None), ("Freiburg", None)]),
           ("AT", [("Graz", None), ("Linz", None)]), ("CH", [("Zürich", None), ("Basel", None)]),
           ("LU", [("Esch-sur-Alzette", None)])],
    "ar": [("EG", [("الإسكندرية", None), ("أسوان", None)]), ("MA", [("فاس", None)]), ("JO", [("إربد", None)]),
           ("TN", [("صفاقس", None)]), ("DZ", [("وهران", None)]), ("LB", [("طرابلس", None)]),
           ("AE", [("الشارقة", None)]), ("SA", [("جدة", None)]), ("IQ", [("البصرة", None)]),
           ("PS", [("نابلس", None)])],
}
#: Region names as partners write them (any language).
REGION_NAMES = {"US-OH": "Ohio", "US-TX": "Texas", "US-CO": "Colorado", "US-FL": "Florida", "IN-KL": "Kerala",
                "IN-MH": "Maharashtra", "NG-LA": "Lagos", "NG-KN": "Kano"}
#: Second languages a partner may name beside the main one.
OTHER_LANGUAGES = {"en": ["fr", "es"], "es": ["en", "ca"], "fr": ["en", "ar"], "pt": ["en", "es"],
                   "de": ["en", "fr"], "ar": ["fr", "en"]}
#: Material in another language than the conversation's, now and then ("our Catalan newspapers").
CONTENT_LANGUAGES = {"en": ["cy", "ga"], "es": ["ca", "eu"], "fr": ["br", "wo"], "pt": ["es"], "de": ["lb"],
                     "ar": ["fr", "en"]}
ORGANISATIONS = {
    "content_donation": ["museum", "library", "archive", "gallery", "museum"],
    "data_donation": ["library", "archive", "research_institute", "museum", "government"],
    "education": ["university", "school", "university"],
    "event": ["nonprofit", "library", "museum", "university"],
    "technology": ["company", "company", "nonprofit", "university"],
    "research": ["university", "research_institute"],
    "funding": ["company", "nonprofit"],
    "media": ["media"],
}
LICENCES = {
    "content_donation": ["cc_by_sa"] * 4 + ["cc_by"] * 2 + ["cc0", "cc0", "public_domain", "public_domain", "restricted"],
    "data_donation": ["cc0"] * 6 + ["public_domain"] * 2 + ["cc_by"] * 2,
}
PARTNERSHIPS = ["content_donation"] * 4 + ["data_donation"] * 2 + ["education"] * 2 + ["event"] * 2 + [
    "technology", "research", "funding", "media"]
LICENSED = frozenset(LICENCES)
WITH_LANGUAGE = frozenset({"content_donation", "data_donation", "education", "event"})
#: Questions where "I don't know" has a default, and what it is.
DONT_KNOW = ("content_language", "licence", "region")
#: Slots that a correction may concern (mid-form or at the summary).
CORRECTABLE = ("country", "organization_type", "content_language", "licence")


@dataclass
class Persona:
    number: int
    language: str
    partnership_type: str
    organization_type: str
    organization_name: str
    country: str | None
    city: str
    region: str | None
    content_language: str
    licence: str | None
    description: str
    consent: bool
    contact_name: str
    contact_email: str
    opening_style: str  # bare | greeting | rich
    # Behaviours, each at most once, each on a different question.
    question_back: str | None = None  # the question before whose answer the partner asks back
    invalid_first: str | None = None
    dont_know: str | None = None
    several_languages: bool = False
    name_and_email: bool = False
    mid_form_correction: str | None = None  # a slot answered wrongly, corrected at the next question
    summary_correction: str | None = None  # a slot answered wrongly, corrected at the summary
    english_answer: str | None = None  # a question answered in English in another language
    typo_rate: float = 0.08
    seed: int = 0
    wrong: dict[str, str] = field(default_factory=dict)  # slot -> the wrong value said first

    run: str = ""  # the run's own prefix, so that two runs never share a conversation

    @property
    def sender(self) -> str:
        return f"sim{self.run}-{self.seed}-{self.number:04d}-{self.language}"

    def intended(self, *, said_dont_know: bool = True) -> dict[str, object]:
        """The inquiry this partner means, in the contract's values (the JSON API's shape).
        "I don't know" counts only where it was said: a licence named in the first message is
        never asked for."""
        unknown = self.dont_know if said_dont_know else None
        language = self.content_language if self.partnership_type in WITH_LANGUAGE else self.language
        if unknown == "content_language":
            language = self.language
        licence = self.licence if self.partnership_type in LICENSED else None
        if unknown == "licence":
            licence = "unsure"
        region = None if unknown == "region" else self.region
        return {
            "partnership_type": self.partnership_type,
            "organization": {"name": self.organization_name, "type": self.organization_type},
            "country": self.country,
            "region": region,
            "content_language": language,
            "licence": licence,
            "consent": self.consent,
            "contact": {"name": self.contact_name if self.consent else None,
                        "email": self.contact_email if self.consent else None},
        }


def _count(rng: random.Random, language: str) -> str:
    value = rng.choice([300, 850, 1200, 2000, 4500, 15000])
    return numbers.format_decimal(value, locale=language if language != "ar" else "ar_EG")


def country_name(code: str, language: str) -> str:
    return Locale.parse(language).territories.get(code, code)


def language_name(code: str, language: str) -> str:
    return Locale.parse(language).languages.get(code, code)


def make_persona(number: int, language: str, rng: random.Random, seed: int) -> Persona:
    b = bank(language)
    ptype = rng.choice(PARTNERSHIPS)
    otype = rng.choice(ORGANISATIONS[ptype])
    country, cities = rng.choice(PLACES[language])
    city, region = rng.choice(cities)
    name_template = rng.choice(b["organization_types"][otype]["names"])
    org_name = fill(name_template, language, city=city, surname=rng.choice(b["surnames"]), topic=rng.choice(b["topics"]))
    person = rng.choice(b["people"])
    domain = "".join(ch for ch in org_name.lower().replace(" ", "-") if ch.isascii() and (ch.isalnum() or ch == "-"))
    domain = (re.sub("-+", "-", domain)[:24].strip("-") or "partner") + ".example.org"
    local = "".join(ch for ch in person.split()[0].lower() if ch.isascii() and ch.isalpha()) or "contact"
    content_language = language
    if rng.random() < 0.1:
        content_language = rng.choice(CONTENT_LANGUAGES[language])
    licence = rng.choice(LICENCES[ptype]) if ptype in LICENSED else None
    description = fill(rng.choice(b["wishes"][ptype]["description"]), language, count=_count(rng, language),
                       place=city)
    persona = Persona(
        number=number, language=language, partnership_type=ptype, organization_type=otype,
        organization_name=org_name, country=country, city=city, region=region,
        content_language=content_language, licence=licence, description=description,
        consent=rng.random() < 0.88, contact_name=person, contact_email=f"{local}.{number}@{domain}",
        opening_style=rng.choice(["bare", "greeting", "greeting", "rich", "rich"]), seed=seed,
    )
    asked_closed = ["partnership_type", "organization_type", "country"]
    if ptype in WITH_LANGUAGE:
        asked_closed.append("content_language")
    if ptype in LICENSED:
        asked_closed.append("licence")
    used: set[str] = set()

    def pick(options: list[str]) -> str | None:
        free = [o for o in options if o not in used]
        if not free:
            return None
        choice = rng.choice(free)
        used.add(choice)
        return choice

    if rng.random() < 0.15:
        persona.question_back = pick(asked_closed + ["consent"])
    if rng.random() < 0.15:
        persona.invalid_first = pick([s for s in asked_closed if s != "partnership_type"] + ["consent"])
    if rng.random() < 0.25:
        persona.dont_know = pick([s for s in DONT_KNOW if s in asked_closed or (s == "region" and region)])
    if ptype in WITH_LANGUAGE and "content_language" not in used and rng.random() < 0.1:
        persona.several_languages = True
        used.add("content_language")
    persona.name_and_email = persona.consent and rng.random() < 0.25
    if rng.random() < 0.1:
        persona.mid_form_correction = pick([s for s in ("country", "organization_type") if s in asked_closed])
    if rng.random() < 0.1:
        persona.summary_correction = pick([s for s in CORRECTABLE if s in asked_closed])
    if language != "en" and rng.random() < 0.1:
        persona.english_answer = pick(["country", "organization_type"])
    for slot in (persona.mid_form_correction, persona.summary_correction):
        if slot:
            persona.wrong[slot] = _wrong_value(slot, persona, rng)
    return persona


def _wrong_value(slot: str, persona: Persona, rng: random.Random) -> str:
    """A valid value, but not the intended one, said first by mistake."""
    if slot == "country":
        options = [c for c, _ in PLACES[persona.language] if c != persona.country and c not in ("US", "IN", "NG")]
    elif slot == "organization_type":
        options = [t for t in ("museum", "library", "archive", "university", "nonprofit", "company")
                   if t != persona.organization_type]
    elif slot == "content_language":
        options = [c for c in ("en", "fr", "es", "de") if c != persona.content_language]
    else:
        options = [x for x in ("cc_by_sa", "cc_by", "cc0", "public_domain") if x != persona.licence]
    return rng.choice(options)


def personas(count: int, seed: int, languages: tuple[str, ...], run: str = "") -> list[Persona]:
    """`count` partners spread evenly over `languages`, the same for the same seed."""
    rng = random.Random(seed)
    people = [make_persona(i, languages[i % len(languages)], rng, seed) for i in range(count)]
    for persona in people:
        persona.run = run
    return people
