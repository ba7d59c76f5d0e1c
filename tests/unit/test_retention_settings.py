"""The retention settings: defaults, chosen values, and a one-line reason for a bad value."""
from __future__ import annotations

import pytest

from bot.settings import Settings

NAMES = ("INTAKE_RETENTION_DAYS_ABANDONED", "INTAKE_RETENTION_DAYS", "INTAKE_PURGE_INTERVAL_MINUTES")


def test_retention_periods_have_defaults_and_can_be_chosen():
    defaults = Settings.from_env({})
    assert (defaults.retention_days_abandoned, defaults.retention_days, defaults.purge_interval_minutes) == (90, 730, 60)
    chosen = Settings.from_env(dict(zip(NAMES, ("30", "365", "15"), strict=True)))
    assert (chosen.retention_days_abandoned, chosen.retention_days, chosen.purge_interval_minutes) == (30, 365, 15)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", ["0", "-5", "two", "1e3", "99999999", "٣٠"])
def test_a_bad_retention_value_is_refused_with_its_name(name, bad):
    with pytest.raises(ValueError, match=name) as refused:
        Settings.from_env({name: bad})
    assert "\n" not in str(refused.value)
