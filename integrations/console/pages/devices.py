"""A User-Agent header as a user recognises their own device on the account page: "Firefox on
Linux". Only this summary is stored with a session, never the full header."""

from __future__ import annotations

#: (marker in the header, name), most specific first: Edge and Opera also say "Chrome", Chrome says "Safari".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"), ("curl/", "curl"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_summary(user_agent: str | None) -> str:
    """"Browser on system", either part left out when unknown; "unknown device" for neither."""
    header = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in header), None)
    system = next((name for marker, name in _SYSTEMS if marker in header), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "unknown device"
