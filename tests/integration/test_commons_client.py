"""The Commons / Commons Impact Metrics client against the local fake serving the APIs' real
JSON shapes (tests/data/commons): continuation of categorymembers and globalusage, titles
batched by 50, views of a month, and every failure raised as CommonsUnavailable."""
from __future__ import annotations

from datetime import date

import pytest
from commons_fake import ARTICLES, CATEGORY, FILES, VIEWS, WIKIS, running_fake

from integrations.commons.client import CommonsClient, CommonsUnavailable

CONTACT = "partners@example.org"


@pytest.mark.asyncio
async def test_files_follow_continue_and_usage_counts_articles_once():
    async with running_fake() as fake:
        client = CommonsClient(fake.api_url, fake.metrics_url, contact=CONTACT)
        try:
            files = await client.files(CATEGORY)
            usage = await client.usage(files)
            views = await client.views(CATEGORY, date(2026, 11, 1))
        finally:
            await client.close()
    assert len(files) == FILES and files[-1] == "File:Musée de Bretagne 03.jpg"
    members = [r for r in fake.requests if r.get("list") == "categorymembers"]
    assert len(members) == 2 and "cmcontinue" in members[1] and members[0]["cmtype"] == "file"
    assert (usage.articles, usage.wikis) == (ARTICLES, WIKIS)  # the user page (ns 2) is not counted
    assert views == VIEWS
    assert fake.metrics_paths == ["/api/rest_v1/metrics/commons-analytics/pageviews-per-category-monthly/"
                                  "Musée_de_Bretagne/deep/all-wikis/20261101/20261201"]
    assert all(CONTACT in agent for agent in fake.user_agents)
    assert all(r["maxlag"] == "5" and r["formatversion"] == "2" for r in fake.requests)


@pytest.mark.asyncio
async def test_usage_asks_at_most_50_titles_a_request():
    async with running_fake() as fake:
        client = CommonsClient(fake.api_url, contact=CONTACT)
        try:
            await client.usage([f"File:Other {n}.jpg" for n in range(120)])
        finally:
            await client.close()
    sizes = [len(r["titles"].split("|")) for r in fake.requests if r.get("prop") == "globalusage"]
    assert sizes[0] == 50 and max(sizes) == 50 and sum(s for s in sizes) >= 120


@pytest.mark.asyncio
async def test_untracked_category_or_no_metrics_url_means_no_views():
    async with running_fake(metrics_mode="404") as fake:
        client = CommonsClient(fake.api_url, fake.metrics_url, contact=CONTACT)
        off = CommonsClient(fake.api_url, "", contact=CONTACT)
        try:
            assert await client.views(CATEGORY, date(2026, 11, 1)) is None
            assert await off.views(CATEGORY, date(2026, 11, 1)) is None
        finally:
            await client.close()
            await off.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["500", "malformed", "maxlag", "hang"])
async def test_failures_raise_commons_unavailable(mode):
    async with running_fake(mode=mode) as fake:
        client = CommonsClient(fake.api_url, fake.metrics_url, contact=CONTACT, timeout=0.5)
        try:
            with pytest.raises(CommonsUnavailable):
                await client.files(CATEGORY)
        finally:
            await client.close()


@pytest.mark.asyncio
async def test_an_unreachable_api_raises_commons_unavailable():
    client = CommonsClient("http://127.0.0.1:9/w/api.php", contact=CONTACT, timeout=1)
    try:
        with pytest.raises(CommonsUnavailable, match="unreachable"):
            await client.files(CATEGORY)
    finally:
        await client.close()
