"""The fleet index's tables (DuckDB). The first columns of each are the issue's contract;
the rest were added for the hunt's own bookkeeping and for reports.

Times are ``TIMESTAMPTZ`` in UTC; a hit's ``time_source`` says whether its time is native
UTC, converted, inferred or local wall time of an unknown zone (never mixed silently).
JSON columns (``locator``, ``fields``, ``problem_details``) hold JSON text: ``fields::JSON``.
"""

from __future__ import annotations

#: Bumped when a table changes; an index of another version is refused with a clear message.
SCHEMA_VERSION = "1"

TABLES: dict[str, str] = {
    "runs": """run_id INTEGER, started TIMESTAMPTZ, logscope_version VARCHAR,
        signatures_version VARCHAR, parser_version VARCHAR, finished TIMESTAMPTZ,
        mode VARCHAR, archives VARCHAR, engine VARCHAR, bundles_total INTEGER,
        analysed INTEGER, skipped INTEGER, failed INTEGER, census_only INTEGER""",
    "bundles": """bundle_sha VARCHAR, path VARCHAR, size BIGINT, status VARCHAR,
        error VARCHAR, records BIGINT, seconds DOUBLE, run_id INTEGER,
        parser_version VARCHAR, timeout_s DOUBLE, max_memory BIGINT, worker VARCHAR,
        analysed TIMESTAMPTZ""",
    "files": """bundle_sha VARCHAR, path VARCHAR, kind VARCHAR, records BIGINT,
        skipped BIGINT, summarized BIGINT, problems INTEGER, problem_details VARCHAR,
        skip_reasons VARCHAR, size BIGINT""",
    "hosts": """bundle_sha VARCHAR, host VARCHAR, role VARCHAR, os VARCHAR,
        product_version VARCHAR""",
    "census": """bundle_sha VARCHAR, kind VARCHAR, provider VARCHAR, event_id BIGINT,
        n BIGINT""",
    "hits": """bundle_sha VARCHAR, signature VARCHAR, signature_hash VARCHAR,
        time TIMESTAMPTZ, file VARCHAR, locator VARCHAR, host VARCHAR, vm VARCHAR,
        job VARCHAR, fields VARCHAR, severity VARCHAR, time_source VARCHAR, kind VARCHAR,
        run_id INTEGER""",
    "hints": """bundle_sha VARCHAR, id VARCHAR, title VARCHAR, severity VARCHAR,
        confidence DOUBLE, run_id INTEGER""",
    "coverage": """bundle_sha VARCHAR, signature VARCHAR, signature_hash VARCHAR,
        parser_version VARCHAR, run_id INTEGER, how VARCHAR""",
    # per run: hits per (signature, bundle) when the run ended (what `fleet diff` compares)
    "run_hits": """run_id INTEGER, signature VARCHAR, bundle_sha VARCHAR, n BIGINT""",
    # the content hash of a bundle path, valid while its fingerprint holds (no re-hashing)
    "fingerprints": """path VARCHAR, fingerprint VARCHAR, bundle_sha VARCHAR""",
    "meta": """key VARCHAR, value VARCHAR""",
}

#: Tables holding one bundle's analysis: replaced whole when the bundle is analysed again.
PER_BUNDLE = ("files", "hosts", "census", "hits", "hints", "coverage")
#: What ``--export-parquet`` writes (bookkeeping tables stay in the index).
EXPORTED = ("runs", "bundles", "files", "hosts", "census", "hits", "hints", "coverage",
            "run_hits")


def columns(table: str) -> list[str]:
    return [c.split()[0] for c in " ".join(TABLES[table].split()).split(", ")]
