"""The translations of the sentences the product stores in English (integrations.console.recorded
shows them): for each producer's table of English shapes, the same English with %(name)s
placeholders, marked for the console's catalogues, by the producer's key; and the labels of the
codes that appear inside those sentences.

tests/unit/test_recorded.py checks that every producer's shape has its translation here, with the
same wording, and in every catalogue.
"""
from __future__ import annotations

from bot.delivery import lifecycle
from bot.intake.closing import CloseReason
from bot.routing import engine
from bot.staff.affiliate_view import OTHER_AFFILIATE_LABEL, STAFF_LABEL
from bot.store import repository
from integrations.console.i18n import N_

# -- the translations, by the producers' keys ------------------------------------------------

#: bot.intake.model.REASONS
QUALIFICATION = {
    "restricted": N_("%(target)s only accepts material that anyone may reuse, also commercially and with "
                     "changes; a non-commercial, no-derivatives or all-rights-reserved licence does not allow "
                     "that."),
    "licence_unsure": N_("The partner is not sure which licence applies."),
    "attribution_data": N_("Wikidata takes CC0 data only; the data is offered under an attribution licence."),
    "missing": N_("Missing: %(fields)s."),
    "no_consent": N_("No consent to store contact details, so the affiliate cannot reply directly."),
    "complete": N_("Every required answer was given and consent to be contacted was granted."),
    "licence_accepted": N_("The licence (%(licence)s) is accepted for this kind of donation."),
}
#: bot.intake.client_cap.HELD_REASON
HELD = N_("more than %(cap)s inquiries from one address in an hour: held for review, not delivered; "
          "proposed route: %(affiliate)s (%(rule)s)")
#: bot.routing.engine.REASONS
ROUTING = {
    "continuity": N_("%(name)s has already accepted an inquiry from %(organization)s, so this one goes to them as "
                     "well."),
    "fixed": N_("The partnership type is %(type)s."),
    "fixed_organization": N_("The partnership type is %(type)s and the organisation is %(organization_type)s."),
    "fixed_country": N_("The partnership type is %(type)s and the organisation is in %(country)s."),
    "fixed_organization_country": N_("The partnership type is %(type)s and the organisation is "
                                     "%(organization_type)s and the organisation is in %(country)s."),
    "thematic_topic": N_("%(name)s is the Wikimedia thematic organisation for %(topic)s."),
    "topic_words": N_("The organisation's name or description mentions %(words)s."),
    "thematic_language": N_("%(name)s is the Wikimedia thematic organisation for the %(language)s language."),
    "content_language": N_("The content is in %(language)s (%(code)s)."),
    "chapter": N_("%(name)s is the Wikimedia chapter for %(place)s."),
    "language_community": N_("%(name)s is the Wikimedia community for %(language)s in %(country)s."),
    "first_by_id": N_("It comes first by id among %(count)s matching groups."),
    "user_group": N_("%(name)s is the Wikimedia user group for %(place)s."),
    "preferred": N_("It is preferred over %(others)s because %(why)s."),
    "other_groups": N_("%(count)s other matching groups"),
    "why_region": N_("it declares the region %(region)s"),
    "why_topic": N_("it works on %(topic)s"),
    "why_language": N_("it works in %(language)s"),
    "why_id": N_("its id comes first"),
    "content_community": N_("%(name)s is the Wikimedia community for content in %(language)s."),
    "none_in_country": N_("No Wikimedia chapter or user group in %(country)s matches this inquiry."),
    "fallback": N_("No Wikimedia affiliate was found, so the %(name)s will handle this inquiry."),
    "fallback_country": N_("No Wikimedia affiliate was found for %(country)s, so the %(name)s will handle this "
                           "inquiry."),
    "fallback_language": N_("No Wikimedia affiliate was found for content in %(language)s, so the %(name)s will "
                            "handle this inquiry."),
    "fallback_country_language": N_("No Wikimedia affiliate was found for %(country)s or content in "
                                    "%(language)s, so the %(name)s will handle this inquiry."),
    "wikimedia_region": N_("%(country)s is in the Wikimedia region %(wikimedia_region)s."),
}
#: bot.routing.engine.PLACE
PLACE = N_("%(region)s in %(country)s")
#: The `reason` of each fixed route of data/routing.yml, by rule id ("" for rules.DEFAULT_REASON).
#: A rules file whose reason differs from the one translated here is shown in English.
HEADLINES = {
    "": N_("%(name)s handles this kind of partnership."),
    "team:technology-commercial": N_("%(name)s handles technology partnerships with companies, such as "
                                     "high-volume access to Wikimedia content."),
    "team:technology": N_("%(name)s handles technology partnerships."),
    "team:funding": N_("%(name)s handles offers to give money to, sponsor or donate to Wikimedia."),
    "team:research": N_("%(name)s handles research collaborations."),
    "team:media": N_("%(name)s handles requests from the press and journalists."),
    "education-us-ca": N_("%(name)s runs the Wikipedia education programme for universities in the United States "
                          "and Canada."),
}
#: bot.delivery.lifecycle.REASONS
LIFECYCLE = {
    "accepted": N_("accepted by %(affiliate)s"),
    "declined": N_("%(affiliate)s declined or did not answer"),
    "declined_why": N_("%(affiliate)s declined or did not answer: %(reason)s"),
    "stays": N_("no alternative left; stays with %(affiliate)s"),
    "next": N_("%(affiliate)s is the next alternative after %(previous)s."),
    "rerouted": N_("re-routed to %(affiliate)s"),
    "reassigned_by": N_("Re-assigned by %(actor)s: %(reason)s"),
    "reassigned_to": N_("re-assigned to %(affiliate)s: %(reason)s"),
    "closed": N_("%(close_reason)s"),
    "closed_note": N_("%(close_reason)s: %(note)s"),
    "duplicate": N_("%(close_reason)s of %(original)s"),
    "duplicate_note": N_("%(close_reason)s of %(original)s: %(note)s"),
}
#: bot.organisations.matching.REASONS (the possible duplicate organisations staff review)
MATCHING = {
    "same_item": N_("same Wikidata item %(item)s"),
    "different_items": N_("different Wikidata items"),
    "same_domain": N_("same e-mail domain %(domain)s"),
    "same_domain_elsewhere": N_("same e-mail domain %(domain)s, different countries"),
    "different_countries": N_("different countries"),
    "no_name": N_("no name"),
    "different_numbers": N_("different numbers in the names"),
    "alike_other_types": N_("names %(score)s %% alike, but different types"),
    "alike": N_("names %(score)s %% alike"),
    "contains": N_("one name contains the other"),
    "initials": N_("one name is the other's initials"),
}
#: bot.store.repository.AFTER_DEFLECTION
DEFLECTION = N_("partnership inquiry after deflection")
#: Stand-ins the producers write where a person's words or a fact would be.
CANNED = {
    lifecycle.TIMED_OUT: N_("no answer within the response window"),
    lifecycle.NO_REASON_GIVEN: N_("declined without a reason"),
    engine.YOUR_ORGANISATION: N_("your organisation"),
    engine.YOUR_COUNTRY: N_("your country"),
}

# -- labels of the codes inside them ---------------------------------------------------------

#: The fields "Missing: ..." names (bot.intake.model.missing_fields, "_" written as spaces).
FIELDS = {
    "organization name": N_("name of the organisation"),
    "organization type": N_("type of organisation"),
    "description": N_("description"),
    "licence": N_("licence"),
    "contact email": N_("contact e-mail address"),
}
#: Routing rules by their code: those of data/routing.yml and the lifecycle's.
RULES = {
    "continuity": N_("Same affiliate as before"),
    "team:technology-commercial": N_("Foundation team: technology with a company"),
    "team:technology": N_("Foundation team: technology"),
    "team:funding": N_("Foundation team: funding"),
    "team:research": N_("Foundation team: research"),
    "team:media": N_("Foundation team: press"),
    "thematic:topic": N_("Thematic organisation (topic)"),
    "thematic:language": N_("Thematic organisation (language)"),
    "education-us-ca": N_("Education in the United States and Canada"),
    "country:chapter": N_("Chapter of the country"),
    "country:language-community": N_("Language community in the country"),
    "country:user-group": N_("User group of the country"),
    "language-community": N_("Language community"),
    "fallback": N_("No affiliate found"),
    lifecycle.REROUTE_RULE: N_("Next alternative after a decline"),
    lifecycle.STAFF_RULE: N_("Re-assigned by staff"),
}
#: Why an inquiry was closed, inside a status history's reason.
CLOSE_REASONS = {
    CloseReason.DONE.value: N_("done"),
    CloseReason.DUPLICATE.value: N_("duplicate"),
    CloseReason.SPAM.value: N_("spam"),
    CloseReason.NO_LONGER_INTERESTED.value: N_("no longer interested"),
}
#: The topics user groups are preferred by (data/routing.yml's partnership_topics).
GROUP_TOPICS = {
    "glam": N_("galleries, libraries, archives and museums"),
    "data": N_("data"),
    "education": N_("education"),
    "events": N_("events"),
}
#: Who did it: the roles an affiliate's view names others' people by (bot.staff.affiliate_view),
#: and the product's own parts.
ACTORS = {STAFF_LABEL: N_("Wikimedia staff"), OTHER_AFFILIATE_LABEL: N_("another affiliate"),
          repository.ASSISTANT: N_("the assistant"), lifecycle.WORKER: N_("the delivery service")}
