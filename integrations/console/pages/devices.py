"""A User-Agent header as a user recognises their own device on the account page: "Firefox on
Linux". Only this summary is stored with a session, never the full header; it is stored in
English and shown in the viewer's language (`shown`)."""

from __future__ import annotations

from integrations.console.i18n import N_, translate

#: (marker in the header, name), most specific first: Edge and Opera also say "Chrome", Chrome says "Safari".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"), ("curl/", "curl"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
#: How a stored summary joins its two parts, and what it says for neither.
ON = " on "
UNKNOWN = N_("unknown device")


def device_summary(user_agent: str | None) -> str:
    """"Browser on system", either part left out when unknown; "unknown device" for neither."""
    header = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in header), None)
    system = next((name for marker, name in _SYSTEMS if marker in header), None)
    if browser and system:
        return f"{browser}{ON}{system}"
    return browser or system or UNKNOWN


def shown(summary: str | None, locale: str) -> str:
    """A stored summary as the account page says it in `locale` ("Firefox sur Linux"): the names
    are the products', the words around them the page's language."""
    if not summary or summary == UNKNOWN:
        return translate(locale, UNKNOWN)
    browser, on, system = summary.partition(ON)
    if not on:
        return summary
    return translate(locale, N_("%(browser)s on %(system)s")) % {"browser": browser, "system": system}
