"""Bad input: each case gets a clear error naming the file (and page), and data/processed stays untouched.

Every case starts from a real report committed in tests/fixtures.
"""

from __future__ import annotations

import pytest

from pkdata.builder import build
from pkdata.builder.readers.un_pdf import parse_report
from pkdata.core.errors import ParseError, TotalsMismatchError, UnknownNameError

from .helpers import doctor_pdf, folder_digest, raw_with_reports

GOOD = ["2015_01", "2019_08"]


@pytest.fixture
def built(tmp_path, fixture_pdf):
    """A good build in tmp_path/out, and its raw folder."""
    raw = raw_with_reports(tmp_path, fixture_pdf, GOOD)
    out = tmp_path / "out"
    build(raw=raw, out=out, cache=tmp_path / "cache", steps=["pkdata.builder.steps.un_pdfs:step_un_pdfs"], workers=1)
    return raw, out


def _rebuild_fails(raw, out, tmp_path, exc_type, *needles):
    before = folder_digest(out)
    with pytest.raises(exc_type) as info:
        build(
            raw=raw, out=out, cache=tmp_path / "cache", steps=["pkdata.builder.steps.un_pdfs:step_un_pdfs"], workers=1
        )
    for needle in needles:
        assert needle in str(info.value)
    assert folder_digest(out) == before, "a failed build changed the processed folder"
    return info.value


def test_truncated_pdf(built, tmp_path, fixture_pdf):
    raw, out = built
    data = fixture_pdf("2017_11").read_bytes()
    (raw / "un_monthly_pdfs" / "UN_country_contributions_2017_11.pdf").write_bytes(data[: len(data) // 2])
    err = _rebuild_fails(raw, out, tmp_path, ParseError, "UN_country_contributions_2017_11.pdf", "truncated")
    assert err.file == "UN_country_contributions_2017_11.pdf"


def test_not_a_pdf(built, tmp_path):
    raw, out = built
    (raw / "un_monthly_pdfs" / "UN_country_contributions_2017_02.pdf").write_text(
        "<html><body>Service unavailable</body></html>"
    )
    _rebuild_fails(raw, out, tmp_path, ParseError, "UN_country_contributions_2017_02.pdf", "not a PDF", "<html>")


def test_numbers_that_do_not_add_up(built, tmp_path, fixture_pdf):
    raw, out = built
    # Argentina's country total on page 1 of the January 2015 report is 880; print 881 instead.
    target = raw / "un_monthly_pdfs" / "UN_country_contributions_2015_01.pdf"
    target.unlink()
    assert doctor_pdf(fixture_pdf("2015_01"), target, page=1, old="880", new="881") == 1
    err = _rebuild_fails(
        raw,
        out,
        tmp_path,
        TotalsMismatchError,
        "UN_country_contributions_2015_01.pdf",
        "page 1",
        "Argentina",
        "881",
        "880",
    )
    assert err.page == 1


def test_unknown_country_name(tmp_path, fixture_pdf):
    doctored = tmp_path / "UN_country_contributions_2015_01.pdf"
    # "Albania" is printed twice on page 1: its heading and its country-total line.
    assert doctor_pdf(fixture_pdf("2015_01"), doctored, page=1, old="Albania", new="Atlantis") == 2
    from pkdata.builder.readers.un_pdf import to_frame

    with pytest.raises(UnknownNameError) as info:
        to_frame(parse_report(doctored))
    assert info.value.names == ["Atlantis"]
    assert "UN_country_contributions_2015_01.pdf" in str(info.value)
    assert "countries.py" in str(info.value)


def test_unknown_name_in_a_build_leaves_processed_untouched(built, tmp_path, fixture_pdf):
    raw, out = built
    target = raw / "un_monthly_pdfs" / "UN_country_contributions_2015_01.pdf"
    target.unlink()
    doctor_pdf(fixture_pdf("2015_01"), target, page=1, old="Albania", new="Atlantis")
    _rebuild_fails(raw, out, tmp_path, UnknownNameError, "Atlantis")


def test_empty_raw_folder_is_an_error_not_an_empty_table(tmp_path):
    (tmp_path / "raw" / "un_monthly_pdfs").mkdir(parents=True)
    (tmp_path / "ref").mkdir()
    from pkdata.core.errors import PkdataError

    with pytest.raises(PkdataError, match="no UN monthly PDF reports"):
        build(
            raw=tmp_path / "raw",
            out=tmp_path / "out",
            reference=tmp_path / "ref",
            cache=tmp_path / "cache",
            steps=["pkdata.builder.steps.un_pdfs:step_un_pdfs"],
        )
    assert not (tmp_path / "out").exists()


def test_duplicate_month_with_different_content_is_an_error(tmp_path, fixture_pdf):
    from pkdata.core.errors import PkdataError

    raw = raw_with_reports(tmp_path, fixture_pdf, ["2015_01"])
    # A second report printing January 2015 whose content differs (Albania's rows relabelled Andorra,
    # still internally consistent) must not be dropped as a duplicate nor counted twice.
    doctor_pdf(
        fixture_pdf("2015_01"),
        raw / "un_monthly_pdfs" / "UN_country_contributions_2015_02.pdf",
        page=1,
        old="Albania",
        new="Andorra",
    )
    with pytest.raises(PkdataError, match="contents differ") as info:
        build(
            raw=raw,
            out=tmp_path / "out",
            cache=tmp_path / "cache",
            steps=["pkdata.builder.steps.un_pdfs:step_un_pdfs"],
            workers=1,
        )
    assert "UN_country_contributions_2015_02.pdf" in str(info.value)
    assert "2015-01-31" in str(info.value)
    assert not (tmp_path / "out").exists()
