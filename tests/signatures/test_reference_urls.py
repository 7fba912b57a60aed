"""Reference URLs: a Microsoft address ending in '(v=ws.10)' keeps its closing parenthesis, while
prose parentheses around a URL are dropped (an example's source must equal the reference)."""

from __future__ import annotations

from logscope.match.shape import reference_urls


def test_a_closing_parenthesis_the_url_opened_stays() -> None:
    url = "https://technet.microsoft.com/en-us/library/dd364896(v=ws.10)"
    assert reference_urls([url]) == {url}
    assert reference_urls([f"Volume events ({url})"]) == {url}


def test_prose_parentheses_around_a_url_are_dropped() -> None:
    assert reference_urls(["see (https://example.org/kb/1) and https://example.org/kb/2,"]) == {
        "https://example.org/kb/1", "https://example.org/kb/2"}
