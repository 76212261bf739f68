"""Small v2021 text reports written by hand, each figure chosen by the test that needs it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

OUTCOMES = [
    ("granted", "（一）予以公开"),
    ("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("withheld_state_secret", "（三）不予公开 1.属于国家秘密"),
    ("withheld_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("withheld_security_stability", "3.危及“三安全一稳定”"),
    ("withheld_third_party_rights", "4.保护第三方合法权益"),
    ("withheld_internal_affairs", "5.属于三类内部事务信息"),
    ("withheld_process_information", "6.属于四类过程性信息"),
    ("withheld_enforcement_files", "7.属于行政执法案卷"),
    ("withheld_administrative_query", "8.属于行政查询事项"),
    ("unavailable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "3.补正后申请内容仍不明确"),
    ("rejected_petition", "（五）不予处理 1.信访举报投诉类申请"),
    ("rejected_duplicate", "2.重复申请"),
    ("rejected_publication", "3.要求提供公开出版物"),
    ("rejected_excessive", "4.无正当理由大量反复申请"),
    ("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
    (
        "other_overdue_correction",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "other_overdue_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_reasons", "3.其他"),
]


@dataclass
class HandReport:
    """One agency's report for one year; natural persons file every application."""

    agency: str
    year: int
    published: date | None
    new: int = 4
    carried_over: int = 0
    granted: int = 3
    carried_forward: int = 1
    reconsideration: int = 0
    issued: int = 2
    repealed: int = 1
    in_force: int = 10
    narrative: str = ""  # a sentence added to section 一
    overview: str = "本机关认真贯彻落实政府信息公开条例，持续推进政务公开工作。"
    problems: str = "一是公开内容不够丰富；二是解读形式较为单一。下一步将加强培训。"
    drop_sections: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        y = self.year
        person = lambda v: f"{v}\t0\t0\t0\t0\t0\t{v}"
        total = self.granted
        blocks = {
            "title": [f"{self.agency}{y}年政府信息公开工作年度报告"],
            "overview": ["一、总体情况", self.overview + self.narrative],
            "disclosures": [
                "二、主动公开政府信息情况",
                "第二十条第（一）项",
                "信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
                "规章\t0\t0\t0",
                f"行政规范性文件\t{self.issued}\t{self.repealed}\t{self.in_force}",
                "第二十条第（五）项",
                "信息内容\t本年处理决定数量",
                "行政许可\t0",
                "第二十条第（六）项",
                "信息内容\t本年处理决定数量",
                "行政处罚\t0",
                "行政强制\t0",
                "第二十条第（八）项",
                "信息内容\t本年收费金额（单位：万元）",
                "行政事业性收费\t0",
            ],
            "applications": [
                "三、收到和处理政府信息公开申请情况",
                "申请人情况\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计",
                f"一、本年新收政府信息公开申请数量\t{person(self.new)}",
                f"二、上年结转政府信息公开申请数量\t{person(self.carried_over)}",
                *[
                    f"{label}\t{person(self.granted if key == 'granted' else 0)}"
                    for key, label in OUTCOMES
                ],
                f"（七）总计\t{person(total)}",
                f"四、结转下年度继续办理\t{person(self.carried_forward)}",
            ],
            "reviews": [
                "四、政府信息公开行政复议、行政诉讼情况",
                "行政复议\t\t\t\t\t行政诉讼",
                "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t"
                + "\t".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2),
                "\t".join(
                    [str(self.reconsideration), "0", "0", "0", str(self.reconsideration)]
                    + ["0"] * 10
                ),
            ],
            "problems": ["五、存在的主要问题及改进情况", self.problems],
            "other": ["六、其他需要报告的事项", "本年度未收取信息处理费。"],
        }
        lines: list[str] = []
        for name, block in blocks.items():
            if name not in self.drop_sections:
                lines += [*block, ""]
        lines.append(self.agency)
        if self.published:
            p = self.published
            lines.append(f"{p.year}年{p.month}月{p.day}日")
        return "\n".join(lines) + "\n"
