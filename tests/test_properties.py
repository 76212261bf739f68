"""Property-based tests: any input parses without an unhandled error, and every value the parser
outputs was printed in the input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.characters import normalise_text
from loaders.parse import parse_document
from loaders.readers.text import read_text

from .conftest import SAMPLES

SAMPLE_LINES = [
    line
    for path in sorted(SAMPLES.glob("*.txt"))
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
TOKENS = [
    "\t", " ", "0", "1", "-3", "+12", "251000元", "/", "—", "无", "（七）总计", "自然人",
    "信息内容", "本年增/减", "规章", "行政许可", "行政复议", "12345", "市长信箱", "件", "条",
    "2020年1月1日", "年度报告", "管委会", "１２", "\u3000", "\u00a0", "|",
]  # fmt: skip

lines = st.one_of(
    st.sampled_from(SAMPLE_LINES),
    st.lists(st.sampled_from(TOKENS), max_size=12).map("".join),
    st.text(max_size=40),
)
documents = st.lists(lines, min_size=1, max_size=80).map("\n".join)


def numbers_in(raw: str) -> float:
    cleaned = raw.replace(",", "").rstrip("万元件项条个次人")
    return float(cleaned)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_text_parses_and_every_value_was_printed(text):
    from loaders.document import ReadError

    try:
        report = parse_document(read_text(text.encode("utf-8")))
    except ReadError as error:  # blank or NUL-bearing text is refused, never half-parsed
        assert error.code in {"empty_file", "binary_file"}
        return
    printed = normalise_text(text)
    for fact in report.facts:
        if fact.value is None:
            continue
        assert fact.value_raw in printed
        expected = numbers_in(fact.value_raw)
        if fact.value_raw.endswith("元") and not fact.value_raw.endswith("万元"):
            expected /= 10000
        assert abs(fact.value - expected) < 1e-9
    for complaint in report.complaints:
        assert f"{complaint.value:g}" in printed.replace(",", "")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_normalisation_is_idempotent_and_never_fails(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_either_read_or_fail_with_a_read_error(data):
    from loaders.document import ReadError

    try:
        report = parse_document(read_text(data))
    except ReadError as error:
        assert error.code in {"empty_file", "binary_file", "unknown_encoding"}
    else:
        assert report is not None
