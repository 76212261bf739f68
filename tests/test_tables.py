"""Table parsers on small inline inputs, written the way reports print them."""

from loaders.parse import parse_document
from loaders.readers.text import read_text


def parse(text: str):
    return parse_document(read_text(text.encode("utf-8")))


def facts(report, table):
    return {(f.row_key, f.column_key): f.value for f in report.facts if f.table_key == table}


TABLE_2_V2021 = """某某县人民政府 2022 年政府信息公开工作年度报告
二、主动公开政府信息情况
第二十条第（一）项\t\t\t
信息内容\t本年制发件数\t本年废止件数\t现行有效件数
规章\t0\t0\t0
行政规范性文件\t8\t2\t41
第二十条第（五）项\t\t\t
信息内容\t本年处理决定数量
行政许可\t1,203
第二十条第（八）项
信息内容\t本年收费金额（单位：万元）
行政事业性收费\t12.5
"""


def test_table_2_v2021_maps_by_header_labels():
    report = parse(TABLE_2_V2021)
    got = facts(report, "disclosures")
    assert report.template_version == "v2021"
    assert got[("normative_documents", "in_force")] == 41
    assert got[("administrative_licensing", "decisions")] == 1203
    assert got[("administrative_fees", "fee_amount_wan_yuan")] == 12.5


def test_table_2_procurement_in_yuan_is_converted_to_wan_yuan():
    report = parse(
        "某局 2019 年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
        "信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n行政许可\t5\t-3\t/\n"
        "信息内容\t采购项目数量\t采购总金额\n政府集中采购\t4\t251000元\n"
    )
    got = facts(report, "disclosures")
    assert report.template_version == "v2019"
    assert got[("centralized_procurement", "procurement_amount_wan_yuan")] == 25.1
    assert got[("administrative_licensing", "items_change")] == -3
    assert got[("administrative_licensing", "decisions")] is None


TABLE_3 = """三、收到和处理政府信息公开申请情况
\t\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计
一、本年新收政府信息公开申请数量\t\t3\t1\t0\t0\t0\t0\t4
（六）其他处理\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t1\t0\t0\t0\t0\t0\t1
\t2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0
\t3.其他\t2\t0\t0\t0\t0\t0\t2
\t\t3.补正后申请内\t0\t0\t0\t0\t0\t0\t0
\t\t容仍不明确\t\t\t\t\t\t\t
（七）总计\t5\t5\t5\t5\t5\t5\t5\t5
四、结转下年度继续办理\t1\t0\t0\t0\t0\t0
"""


def test_table_3_rows_by_label_including_2021_other_rows():
    report = parse(TABLE_3)
    got = facts(report, "applications")
    assert got[("new_received", "natural_person")] == 3
    assert got[("new_received", "total")] == 4
    assert got[("other_overdue_correction", "total")] == 1
    assert got[("other_overdue_fee", "natural_person")] == 0
    assert got[("other_reasons", "total")] == 2
    assert got[("unavailable_unclear", "total")] == 0
    assert got[("total_processed", "research_institution")] == 5  # 8 equal values, 7 columns


def test_table_3_row_with_too_few_values_is_null_with_an_issue():
    report = parse(TABLE_3)
    got = facts(report, "applications")
    assert [got[("carried_forward", c)] for c in ("natural_person", "total")] == [None, None]
    misaligned = [i for i in report.issues if i.code == "row_misaligned"]
    assert misaligned and misaligned[0].line == 10


def test_table_4_leading_blank_cells_are_null():
    report = parse(
        "四、政府信息公开行政复议、行政诉讼情况\n行政复议\t\t\t\t\t行政诉讼\n"
        "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n"
        + "\t" * 5
        + "\t".join(["1", "0", "0", "1", "2"] * 2)
        + "\n"
    )
    got = facts(report, "reviews")
    assert got[("reconsideration", "total")] is None
    assert got[("litigation_direct", "total")] == 2
    assert got[("litigation_after_reconsideration", "pending")] == 1
    assert any(i.code == "blank_cells" for i in report.issues)


def test_pre2019_statistics_table_maps_own_rows_only():
    report = parse(
        "某园区2017年政府信息公开工作年度报告\n统计指标\t单位\t汇总数\n"
        "（一）本部门制发的公文总数\t件\t26\n其中：标注为“主动公开”的数量\t件\t7\n"
        "（四）本部门下属单位制发的公文总数\t件\t9\n（一）本部门收到申请数量\t件\t3\n"
    )
    got = facts(report, "disclosures")
    assert report.template_version == "pre2019"
    assert got == {
        ("official_documents", "issued"): 26,
        ("official_documents", "marked_proactive"): 7,
    }
    assert facts(report, "applications") == {("new_received", "total"): 3}


TABLE_3_HEAD = (
    "某某县人民政府 2020 年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
    "\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计\n"
)


def test_row_read_twice_with_different_figures_is_null_with_an_error_naming_both_lines():
    report = parse(
        TABLE_3_HEAD + "一、本年新收政府信息公开申请数量\t3\t1\t0\t0\t0\t0\t4\n"
        "二、上年结转政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
        "一、本年新收政府信息公开申请数量\t9\t0\t0\t0\t0\t0\t9\n"
    )
    got = facts(report, "applications")
    assert got[("new_received", "natural_person")] is None
    assert got[("new_received", "total")] is None
    assert got[("carried_over", "total")] == 1  # the row read once keeps its figures
    errors = [i for i in report.issues if i.code == "duplicate_row"]
    assert [i.severity for i in errors] == ["error"]
    assert "line 4" in errors[0].message and errors[0].source == "line 6"
    suspect = [i for i in report.issues if i.code == "row_placement_suspect"]
    assert suspect and all(i.severity == "error" for i in suspect)
    assert any("applications granted:" in i.message for i in suspect)


def test_row_read_twice_with_the_same_figures_is_kept_with_a_warning():
    row = "一、本年新收政府信息公开申请数量\t3\t1\t0\t0\t0\t0\t4\n"
    report = parse(TABLE_3_HEAD + row + row)
    assert facts(report, "applications")[("new_received", "total")] == 4
    assert [i.severity for i in report.issues if i.code == "duplicate_row"] == ["warning"]


def test_table_2_blocks_under_placeholder_headers_take_the_template_measures():
    report = parse(
        "某某县人民政府 2022 年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
        "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n| 规章 | 0 | 0 | 2 |\n"
        "**第二十条第（五）项**\n| 项目 | 数量 |\n|---|---|\n| 行政许可 | 1,203 |\n"
    )
    got = facts(report, "disclosures")
    assert got[("regulations", "in_force")] == 2
    assert got[("administrative_licensing", "decisions")] == 1203
    assert not [k for k in got if k[0] == "administrative_licensing" and k[1] != "decisions"]


def test_table_2_header_of_another_block_is_not_applied():
    # the (五) block lost its header: the (一) block's measures are none of 行政许可's
    report = parse(
        "某某县人民政府 2022 年政府信息公开工作年度报告\n二、主动公开政府信息情况\n"
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t2\n行政许可\t7\n"
    )
    got = facts(report, "disclosures")
    assert got[("administrative_licensing", "decisions")] == 7


def test_table_4_as_three_five_column_tables_under_headings():
    report = parse(
        "某某县人民政府 2020 年政府信息公开工作年度报告\n四、政府信息公开行政复议、行政诉讼情况\n"
        "**行政复议**\n| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|\n"
        "| 1 | 0 | 0 | 1 | 2 |\n**行政诉讼**\n未经复议直接起诉\n"
        "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n| 3 | 0 | 0 | 0 | 3 |\n"
        "复议后起诉\n| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n| 0 | 0 | 1 | 0 | 1 |\n"
    )
    got = facts(report, "reviews")
    assert got[("reconsideration", "total")] == 2
    assert got[("litigation_direct", "upheld")] == 3
    assert got[("litigation_after_reconsideration", "other")] == 1
    assert len(got) == 15


def test_table_copied_one_cell_a_line_is_read_as_rows():
    report = parse(
        "某某县人民政府 2020 年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
        "自然人\n商业企业\n科研机构\n社会公益组织\n法律服务机构\n其他\n总计\n"
        "一、本年新收政府信息公开申请数量\n3\n1\n0\n0\n0\n0\n4\n"
        "二、上年结转政府信息公开申请数量\n1\n0\n0\n0\n0\n1\n"  # an empty cell: no line
    )
    got = facts(report, "applications")
    assert got[("new_received", "total")] == 4
    assert got[("carried_over", "total")] is None
    assert any(i.code == "row_misaligned" and "carried_over" in i.message for i in report.issues)
