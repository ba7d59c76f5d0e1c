"""The intake tables, in SQLAlchemy Core (1.4, 2.0 style).

The shared database also holds Rasa's tracker store (its `events` table); nothing here may use
that name, and the Alembic environment only looks at the tables of `metadata`.

Deflected conversations are stored as inquiries with status `deflected` and no routing decision.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.types import TypeDecorator

from bot.store.clock import as_utc, utcnow

#: Names every constraint and index the same way on SQLite and PostgreSQL (Alembic needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always written and read as aware UTC.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so the naive value stored there
    is UTC by construction and is given back its zone on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else as_utc(value)


organizations = Table(
    "organizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("normalized_name", String(300), nullable=False),
    Column("type", String(40)),
    Column("country", String(2)),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    # From a contact e-mail's domain, never a webmail one (bot/organisations/matching.py); never
    # the address.
    Column("website_domain", String(253), index=True),
    # Wikidata, filled by the delivery worker when it identifies the organisation (not the chat).
    Column("wikidata_id", String(20), index=True),
    Column("wikidata_label", String(300)),
    Column("official_website", String(500)),
    Column("commons_category", String(300)),
    Column("wikidata_looked_up_at", UTCDateTime),
    # When the next lookup is due (None: none, or never looked up when wikidata_looked_up_at is
    # None too); while a worker looks the organisation up, the end of its lease.
    Column("wikidata_retry_at", UTCDateTime),
    # Lookups that failed in a row (Wikidata unreachable or answering nonsense): the backoff doubles.
    Column("wikidata_failures", Integer, nullable=False, default=0, server_default="0"),
    # Set when staff merged this record into another (organization_merges holds the history);
    # a plain integer, not a foreign key: SQLite cannot add one to an existing table in place.
    Column("merged_into", Integer, index=True),
)
# One organisation per normalised name and country; "no country" counts as one value.
Index(
    "uq_organizations_normalized_name_country",
    organizations.c.normalized_name,
    func.coalesce(organizations.c.country, ""),
    unique=True,
)

# Every name partners used for an organisation, with when it was first and last used. A merge
# moves them to the record it merged into (and a split back).
organization_aliases = Table(
    "organization_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("normalized_name", String(300), nullable=False),
    Column("match_key", String(300), nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False, default=utcnow),
    Column("last_seen_at", UTCDateTime, nullable=False, default=utcnow),
    UniqueConstraint("organization_id", "normalized_name"),
)

# The words of each alias's matching key, by country ("" for none): how a new name finds its
# candidates without reading every organisation (blocking).
organization_name_words = Table(
    "organization_name_words",
    metadata,
    Column("alias_id", ForeignKey("organization_aliases.id", ondelete="CASCADE"), primary_key=True),
    Column("word", String(100), primary_key=True),
    Column("country", String(2), nullable=False),
    Index("ix_organization_name_words_country_word", "country", "word"),
)

# Pairs of organisations that may be one, for staff to merge or reject (never merged silently).
organization_proposals = Table(
    "organization_proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("other_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("score", Integer, nullable=False),  # 0-100
    Column("reason", String(200), nullable=False),
    Column("status", String(10), nullable=False, index=True),  # open | merged | rejected
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("decided_at", UTCDateTime),
    Column("decided_by", String(320)),
    UniqueConstraint("organization_id", "other_id"),
)

# Merge history: what a merge moved (inquiry and alias ids), so that a split can undo it.
organization_merges = Table(
    "organization_merges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("target_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("actor", String(320), nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("moved", JSON, nullable=False, default=dict),  # {"inquiries": [ids], "aliases": [ids]}
    Column("split_at", UTCDateTime),
    Column("split_by", String(320)),
)

inquiries = Table(
    "inquiries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(20), nullable=False, unique=True),
    Column("conversation_id", String(255), nullable=False, unique=True),
    Column("status", String(20), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow, index=True),
    Column("language", String(10), nullable=False),
    Column("partnership_type", String(40)),
    Column("organization_id", ForeignKey("organizations.id"), index=True),
    Column("country", String(2)),
    Column("region", String(10)),
    Column("content_language", String(10)),
    Column("licence", String(20)),
    Column("description", Text),
    # The description folded as organisation names are (bot.store.names.normalize_org_name: case,
    # accents, punctuation), which the console's search matches: "musee" finds "Musée" on SQLite,
    # whose lower() folds ASCII only, and on PostgreSQL without the unaccent extension. Written
    # with the description (repository._store), erased with it (erasure.py).
    Column("description_folded", Text),
    # The partner's first words about the inquiry, as typed (the affiliate reads them too).
    Column("opening", Text),
    Column("contact_name", String(300)),
    Column("contact_email", String(320)),
    Column("consent", Boolean(create_constraint=False), nullable=False, default=False),
    Column("tier", String(20)),
    Column("qualification_reasons", JSON, nullable=False, default=list),
    # When the partner's personal data was erased (on request or by retention); the row stays
    # for the movement's statistics (bot/store/erasure.py).
    Column("erased_at", UTCDateTime),
    # The partner asked for a person and nobody was available: the inquiry is their message.
    Column("wants_person", Boolean(create_constraint=False), nullable=False, default=False),
    # Why a `closed` inquiry was closed (bot.intake.closing.CloseReason) and, for a duplicate, the
    # reference of the original it duplicates.
    Column("closed_reason", String(20)),
    Column("duplicate_of", String(20)),
)

routing_decisions = Table(
    "routing_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("inquiry_id", ForeignKey("inquiries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("affiliate_id", String(64), nullable=False, index=True),
    Column("rule", String(64), nullable=False),
    Column("reasons", JSON, nullable=False, default=list),
    Column("alternatives", JSON, nullable=False, default=list),
    Column("wikimedia_region", String(64)),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("is_current", Boolean(create_constraint=False), nullable=False, default=True),
    # When the affiliate's response window ends (then the inquiry moves on); None: no window.
    Column("response_due_at", UTCDateTime, index=True),
)

status_history = Table(
    "status_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("inquiry_id", ForeignKey("inquiries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("reason", Text),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

# The transactional outbox: one row per message to send (webhook or e-mail), written in the
# transaction that routes the inquiry. `id` is the public delivery id (the Idempotency-Key).
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("inquiry_id", ForeignKey("inquiries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("affiliate_id", String(64), nullable=False),
    Column(
        "decision_id", ForeignKey("routing_decisions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("channel", String(20), nullable=False),  # webhook | email | partner_email
    Column("target", JSON, nullable=False),  # {"url": ...} or {"to": [...]}
    Column("event", String(40), nullable=False),  # inquiry.routed, inquiry.accepted, ...
    Column("status", String(20), nullable=False),  # pending | delivered | dead | cancelled
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(100)),
    Column("claimed_until", UTCDateTime),
    Column("last_error", Text),  # never personal data
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("delivered_at", UTCDateTime),
)
Index("ix_deliveries_status_next_attempt_at", deliveries.c.status, deliveries.c.next_attempt_at)

# Single-use accept / decline links of a routing decision; `id` is a random url-safe token id
# (the signed link that carries it is made elsewhere).
response_links = Table(
    "response_links",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("inquiry_id", ForeignKey("inquiries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column(
        "decision_id", ForeignKey("routing_decisions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("affiliate_id", String(64), nullable=False),
    Column("action", String(10), nullable=False),  # accept | decline
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

# Console accounts. `email` is stored lower-cased, so the unique constraint is case-insensitive;
# an affiliate user belongs to exactly one affiliate of data/affiliates.csv, a staff user to none.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # staff | affiliate
    Column("affiliate_id", String(64)),
    Column("password_hash", String(255), nullable=False),  # argon2 (PHC string)
    Column("disabled", Boolean(create_constraint=False), nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("last_login_at", UTCDateTime),
    # An affiliate user's e-mail digest of new and waiting inquiries: off | daily.
    Column("digest", String(10), nullable=False, default="off", server_default="off"),
    # The account's language (a code of bot/responses): the digest's, later the console's.
    Column("language", String(10)),
    CheckConstraint(
        "(role = 'staff' AND affiliate_id IS NULL) OR (role = 'affiliate' AND affiliate_id IS NOT NULL)",
        name="role_affiliate",
    ),
)

# Failed console logins, kept only for the throttle's window: shared by every console process,
# which an in-memory counter would not be. `email` is what was typed (lower-cased), known or not.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, index=True),
    Column("client_ip", String(64), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow, index=True),
)

# Console sessions, kept on the server so that logging out, a password change or disabling the
# user ends them at once. The browser's cookie holds a random token; only its SHA-256 is the id
# here, so a copy of this table opens no session. `client` is the address cut to its network
# (IPv4 /24, IPv6 /48): enough to recognise a place, not a person's exact address.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # hex SHA-256 of the cookie's token
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("last_seen_at", UTCDateTime, nullable=False, default=utcnow),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("user_agent", String(100), nullable=False, default=""),  # a summary: "Firefox on Linux"
    Column("client", String(64), nullable=False, default=""),
    Column("revoked_at", UTCDateTime),
)

# Password resets by e-mailed link: only a SHA-256 of the link's token is kept; a link works
# once, until `expires_at`, and only while it is the user's newest.
password_resets = Table(
    "password_resets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

# What an accepted inquiry became (issue 17, item 5): the partnership its affiliate keeps up to
# date. One per inquiry; `affiliate_id` is the affiliate that accepted it (who may edit it, with
# staff). Everything here but `updated_by` is public (`intake export-partnerships`): the summary is
# written by the affiliate for publication, never the partner's own words.
partnerships = Table(
    "partnerships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("inquiry_id", ForeignKey("inquiries.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("affiliate_id", String(64), nullable=False, index=True),
    Column("status", String(10), nullable=False),  # active | completed | stopped
    Column("started_on", Date),
    Column("ended_on", Date),
    Column("files_uploaded", Integer),
    Column("commons_category", String(300)),
    Column("wikidata_items_created", Integer),
    Column("events_held", Integer),
    Column("participants", Integer),
    Column("public_summary", String(500)),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_by", String(320), nullable=False),  # an actor (staff:<e-mail>, affiliate:<id>:<e-mail>)
    # When the partner followed the unsubscribe link of a recognition report: no more reports.
    Column("reports_stopped_at", UTCDateTime),
    CheckConstraint("status IN ('active', 'completed', 'stopped')", name="status"),
)

# The partners' monthly recognition reports (bot/store/recognition_reports.py): one row per
# partnership and reported month (its first day), claimed before sending so that it goes once;
# `claimed_until` is also when a failed attempt may be tried again.
recognition_reports = Table(
    "recognition_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partnership_id", ForeignKey("partnerships.id", ondelete="CASCADE"), nullable=False),
    Column("month", Date, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("sent_at", UTCDateTime),
    Column("files", Integer),
    Column("articles", Integer),
    Column("views", Integer),
    UniqueConstraint("partnership_id", "month"),
)

# Staff and affiliate notes on an inquiry (free text). `visibility` is chosen when written:
# `staff` (staff only) or `shared` (also the affiliate holding the inquiry at the time;
# bot.staff.affiliate_view decides what an affiliate sees).
inquiry_notes = Table(
    "inquiry_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("inquiry_id", ForeignKey("inquiries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("author", String(320), nullable=False),  # the user's e-mail when written
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("visibility", String(10), nullable=False),  # staff | shared
)

# The review loop: a partner message (a `user` event of Rasa's `events` table) that staff flagged
# with the intent it should have had and, if needed, corrected entities; exported as NLU data.
review_flags = Table(
    "review_flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("event_id", Integer, nullable=False, unique=True),  # events.id (Rasa's table, no FK)
    Column("text", Text, nullable=False),
    Column("language", String(10)),
    Column("predicted_intent", String(100)),
    Column("correct_intent", String(100), nullable=False),
    Column("entities", JSON, nullable=False, default=list),  # [{start, end, entity, value}]
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("exported_at", UTCDateTime),
)

# Bearer tokens of the JSON API beside INTAKE_API_TOKEN: one per affiliate (scoped to its
# inquiries) or for staff tools (affiliate_id NULL). Only a SHA-256 of the token is kept.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("affiliate_id", String(64)),
    Column("disabled", Boolean(create_constraint=False), nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("last_used_at", UTCDateTime),
)

# Delivery endpoints a receiver told to go away (HTTP 410 Gone): nothing more is sent there until
# staff enable it again (`intake endpoints enable`). The endpoint is known by a SHA-256 of its
# target (a URL may hold a token) and, for staff, the URL's host.
disabled_endpoints = Table(
    "disabled_endpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("affiliate_id", String(64), nullable=False, index=True),
    Column("channel", String(20), nullable=False),  # webhook
    Column("target_hash", String(64), nullable=False),
    Column("target_host", String(255)),
    Column("reason", String(200), nullable=False),
    Column("disabled_at", UTCDateTime, nullable=False, default=utcnow),
    UniqueConstraint("affiliate_id", "channel", "target_hash"),
)

# One key per conversation that has sealed contact answers in Rasa's `events` table
# (bot/privacy/sealing.py): deleting the row erases them wherever they were stored.
contact_keys = Table(
    "contact_keys",
    metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("key", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

# The audit trail of erasures (`intake erase`) and retention purges (`intake purge`, the delivery
# worker): when, what kind, how the data was selected, and how many rows of each table changed.
# Never the e-mail, name or conversation id that was erased; inquiry references are kept (they
# are not personal data, and they answer "was my inquiry erased?").
erasures = Table(
    "erasures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("kind", String(10), nullable=False),  # erase | purge
    Column("selector", String(20), nullable=False),  # email | reference | conversation | retention
    Column("inquiry_references", JSON, nullable=False, default=list),
    Column("counts", JSON, nullable=False, default=dict),  # {table: rows changed}
    Column("actor", String(100), nullable=False),
)

# The inquiry cap per client address (bot/intake/client_cap.py): one row per inquiry, the keyed
# hash of the address it came from (never the address), kept for an hour and then purged.
inquiry_clients = Table(
    "inquiry_clients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client_hash", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow, index=True),
    Index("ix_inquiry_clients_client_hash_created_at", "client_hash", "created_at"),
)

# Hand-offs to a person (issue 14): a partner asked for a person in a conversation. The
# conversation itself (partner, bot and person messages in order) stays in Rasa's tracker; this
# row is the hand-off's state, who may answer and the staff notification's delivery.
handoffs = Table(
    "handoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    # waiting | with_person | released (handed back to the assistant) | closed | missed (nobody
    # was available: the partner left a message instead)
    Column("status", String(20), nullable=False, index=True),
    Column("language", String(10), nullable=False),
    # Whose console users may answer besides staff: the affiliate the conversation's inquiry is
    # routed to when the partner asked (NULL: staff only).
    Column("affiliate_id", String(64), index=True),
    Column("requested_at", UTCDateTime, nullable=False, default=utcnow, index=True),
    Column("claimed_at", UTCDateTime),
    Column("claimed_by", ForeignKey("users.id", ondelete="SET NULL")),
    # Who claimed it through the JSON API (a token's name) when no console user did.
    Column("claimed_by_name", String(100)),
    Column("first_reply_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    # The staff notification (e-mail and webhook `conversation.handoff_requested`).
    Column("notify_status", String(20), nullable=False, default="pending"),  # pending | sent | dead
    Column("notify_attempts", Integer, nullable=False, default=0),
    Column("notify_next_at", UTCDateTime, nullable=False, default=utcnow),
    Column("notify_error", Text),  # never personal data
)

# Who is available to answer hand-offs: a heartbeat while the hand-off inbox is open, or an
# explicit "I am available" until a time the user chose.
console_presence = Table(
    "console_presence",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("last_seen_at", UTCDateTime),
    Column("available_until", UTCDateTime),
)

# What the staff dashboard counts of each conversation, per week (Monday-based week number of
# Unix time, as bot/store/console/stats.py computes it), kept by the analytics consumer from
# RabbitMQ (integrations/analytics/consumer.py, bot/store/conversation_stats.py) so that the
# dashboard need not aggregate Rasa's `events`. Every column is a minimum, a maximum or derived
# from a set, so that a redelivered event changes nothing. No text of the conversation.
conversation_stats = Table(
    "conversation_stats",
    metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("week", Integer, primary_key=True, index=True),
    # The first event of the conversation in this week, and the first start of the intake form.
    Column("began_at", Float, nullable=False),
    Column("form_began_at", Float),
    # Partner messages and those the NLU did not understand (nlu_fallback): len and sum of `seen`.
    Column("user_messages", Integer, nullable=False, default=0),
    Column("fallbacks", Integer, nullable=False, default=0),
    # {"<timestamp>": 1 if fallback else 0} of the partner messages counted: makes counting idempotent.
    Column("seen", JSON, nullable=False, default=dict),
    # The last question the form asked this week (`requested_slot`; NULL when it was reset) and when.
    Column("requested_slot", String(100)),
    Column("requested_slot_at", Float),
)


# The affiliates' daily digests: one row per account and day, written before the e-mail is sent
# (`claimed_until`), so that two workers, or a worker that restarts, send it once.
digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("inquiries", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("user_id", "day"),
)


#: The tables this package owns (and Alembic manages); anything else in the database is left alone.
OWNED_TABLES = frozenset(metadata.tables)
