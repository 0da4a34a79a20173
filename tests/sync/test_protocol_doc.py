"""docs/sync-protocol.md, docs/sync-openapi.json and the training hub agree: the OpenAPI file
is what the hub serves; every /api/v1/ path the doc names is served and every served path is
named; the doc's error codes, field codes and complaint fields are the hub's."""

from __future__ import annotations

import re

import pytest

from desk_app.hub import checks, codes
from scripts.write_openapi import schema, text
from tests.sync.hub_process import ROOT

DOC = ROOT / "docs" / "sync-protocol.md"
OPENAPI = ROOT / "docs" / "sync-openapi.json"
ENDPOINT = re.compile(r"\b(GET|POST|PUT|DELETE|PATCH) (/api/v1/[^\s`?)]*)")


@pytest.fixture(scope="module")
def served():
    return schema()  # what `make openapi` writes: the hub's own OpenAPI document


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text("utf-8")


def section(doc: str, number: int) -> str:
    start = doc.index(f"\n## {number}.")
    end = doc.find("\n## ", start + 1)
    return doc[start : end if end > 0 else None]


def test_the_openapi_file_is_what_the_hub_serves(served):
    assert OPENAPI.read_text("utf-8") == text(served), (
        "docs/sync-openapi.json is stale: run `make openapi` (scripts/write_openapi.py)"
    )


def test_every_path_in_the_doc_is_served_and_every_served_path_is_in_the_doc(served, doc):
    named = {(m, p) for m, p in ENDPOINT.findall(doc)}
    offered = {
        (method.upper(), path) for path, ops in served["paths"].items() for method in ops
    } | {("GET", "/api/v1/openapi.json")}
    assert named == offered


def test_the_error_table_holds_the_codes_the_hub_gives(doc):
    table = {}
    for line in section(doc, 3).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.match(r"^\d{3}", cells[0]):
            statuses = [int(s) for s in re.findall(r"\d{3}", cells[0])]
            # The codes are the backticked words outside parentheses.
            for code in re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", cells[1])):
                table[code] = statuses
    for code, statuses in table.items():
        assert code in codes.ERROR_CODES, code
        assert codes.ERROR_CODES[code] in statuses, code
    assert set(codes.ERROR_CODES) <= set(table)


def test_the_field_codes_in_the_doc_are_the_hubs(doc):
    paragraph = section(doc, 4).split("An item's field error `code` is one of:")[1]
    paragraph = paragraph.split("\n\n")[0]
    named = set(re.findall(r"`([a-z_]+)`", paragraph)) - {"complaint", "complaint_id", "id"}
    assert named == set(codes.FIELD_CODES)


def test_the_complaint_fields_in_the_doc_are_the_ones_the_hub_keeps(doc, served):
    named = set()
    for line in section(doc, 6).splitlines():
        if line.startswith("| `"):
            named |= set(re.findall(r"`([a-z_0-9]+)`", line.split("|")[1]))
    assert named == set(checks.FIELDS)
    assert set(served["components"]["schemas"]["Complaint"]["properties"]) == named


def test_the_status_names_in_the_doc_are_the_hubs(doc):
    names = set(re.findall(r"^\| `([a-z_]+)` \|", section(doc, 9), re.MULTILINE))
    assert names == set(codes.STATUSES)


def test_the_item_results_in_the_doc_are_the_hubs(doc, served):
    names = set(re.findall(r"^\| `([a-z_]+)` \|", section(doc, 4), re.MULTILINE))
    assert names == set(codes.RESULTS)
    result = served["components"]["schemas"]["ItemResult"]["properties"]["result"]
    assert set(result["enum"]) == names
