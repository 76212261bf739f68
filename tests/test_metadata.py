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
    report = parse("一、总体情况\n2020 年，园区管委会认真落实……\n")  # no name of its own
    assert report.agency_name is None
    assert any(i.code == "agency_unknown" for i in report.issues)


def test_template_version_comes_from_labels_not_the_citation():
    report = parse(
        "某园区 2021 年政府信息公开工作年度报告\n根据（国办公开办函〔2021〕30号）要求\n"
        "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t0\t0\t0\n"
    )
    assert report.template_version == "v2019"


def test_organ_named_only_in_the_body_is_taken_with_an_info_issue():
    report = parse("一、总体情况\n2020年，某某县市场监督管理局认真贯彻《条例》……\n")
    assert report.agency_name == "某某县市场监督管理局"
    assert report.agency_source == "body"
    assert [i.severity for i in report.issues if i.code == "agency_from_body"] == ["info"]


WEB_PAGE = """首页 > 政务公开 > 政府信息公开年报
政府信息公开工作年度报告
# 2020年政府信息公开工作年度报告
日期：2021-03-27 09:30 来源：某某经济开发区管委会 【字号：大 中 小】 分享
一、总体情况
"""


def test_page_furniture_is_never_the_organ_and_fields_fill_the_gaps():
    report = parse(WEB_PAGE)
    assert report.agency_name == "某某经济开发区管委会"
    assert report.agency_source == "header"
    assert report.report_year == 2020
    assert report.published_on == date(2021, 3, 27)


def test_breadcrumb_alone_leaves_the_organ_unknown():
    report = parse("当前位置：首页>>政府信息公开>>政府信息公开年报\n2019年度报告\n一、总体情况\n")
    assert report.agency_name is None


def test_key_value_table_gives_title_organ_and_date():
    report = parse(
        "标 题 | 某某街道办事处2020年政府信息公开工作年度报告 | |\n"
        "索引号 | 1137/2021-5 | 发布机构 | 某某区某某街道 |\n"
        "成文日期 | 发布日期 | 2021-01-25 |\n一、总体情况\n"
    )
    assert report.agency_name == "某某街道办事处"
    assert report.report_year == 2020
    assert report.published_on == date(2021, 1, 25)


def test_partial_title_organ_is_completed_from_the_source_field():
    report = parse(
        "开发区管委会2019年政府信息公开工作年度报告\n"
        "时间:2020.3.9 来源:某某市某某经济开发区管委会\n一、总体情况\n"
    )
    assert report.agency_name == "某某市某某经济开发区管委会"
    assert report.published_on == date(2020, 3, 9)


def test_sign_off_date_in_characters():
    report = parse(
        "某某县人民政府2015年政府信息公开工作年度报告\n正文。\n某某县人民政府\n二〇一六年三月二十五日\n"
    )
    assert report.published_on == date(2016, 3, 25)


def test_traditional_script_title():
    report = parse("當前位置: 首頁>> 工作動態\n西藏自治區人民政府2009年政府信息公開年度報告\n")
    assert report.agency_name == "西藏自治區人民政府"
    assert report.report_year == 2009


def test_organ_words_with_no_name_of_their_own_are_not_the_organ():
    assert parse("一、总体情况\n2020年，区委区政府高度重视政务公开工作。\n").agency_name is None
    report = parse("发布机构：政府办公室 发布日期：2022-04-06\n2021年度信息公开年度报告\n")
    assert report.agency_name is None
    assert report.published_on == date(2022, 4, 6)


def test_organ_on_the_line_below_a_title_without_one():
    report = parse("## 2019年度信息公开工作报告\n### 某某镇人民政府\n时间:2020.3.9\n一、概述\n")
    assert (report.agency_name, report.report_year) == ("某某镇人民政府", 2019)
    assert report.published_on == date(2020, 3, 9)


def test_statistics_period_is_not_a_publication_date():
    report = parse(
        "某某县人民政府2020年政府信息公开工作年度报告\n"
        "本报告所列数据统计期限自2020年1月1日起至2020年12月31日止。\n一、总体情况\n"
    )
    assert report.published_on is None
