from datetime import date

from loaders.parse import parse_document
from loaders.readers.text import read_text


def parse(text: str):
    return parse_document(read_text(text.encode("utf-8")))


def test_agency_on_the_line_before_a_title_without_one():
    report = parse("中卫市工业和信息化局\n2020 年政府信息公开工作年度报告\n正文。")
    assert (report.agency_name, report.report_year) == ("中卫市工业和信息化局", 2020)


def test_year_first_titles():
    report = parse("2023年沭阳县发展和改革局政府信息公开工作年度报告\n")
    assert (report.agency_name, report.report_year) == ("沭阳县发展和改革局", 2023)


def test_signoff_spells_out_the_title_and_gives_the_date():
    report = parse(
        "银川某某工业园区2017年政府信息公开工作年度报告\n正文。\n银川某某工业园区管委会\n2018年1月18日\n"
    )
    assert report.agency_name == "银川某某工业园区管委会"
    assert report.published_on == date(2018, 1, 18)
    assert not [i for i in report.issues if i.code == "published_before_year_end"]


def test_no_title_means_unknown_agency_never_a_guess():
    report = parse("一、总体情况\n2020 年，园区管委会认真落实……\n")
    assert report.agency_name is None
    assert any(i.code == "agency_unknown" for i in report.issues)


def test_template_version_comes_from_labels_not_the_citation():
    report = parse(
        "某园区 2021 年政府信息公开工作年度报告\n根据（国办公开办函〔2021〕30号）要求\n"
        "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t0\t0\t0\n"
    )
    assert report.template_version == "v2019"
