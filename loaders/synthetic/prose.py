"""Prose for synthetic reports: paragraphs written for this generator, composed at random.

The sentences avoid the words the complaint extractor keys on (信访, 热线, 信箱, 留言, 舆情, 回应
社会关切...) except in the complaint sentences themselves, so that the gold lists exactly the
complaint figures a report states. Figures in the filler are counts of ordinary publications.
"""

from __future__ import annotations

import random

PREAMBLES = (
    (
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和上级政务公开主管部门的要求编制，"
        "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
        "存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    ),
    (
        "根据《中华人民共和国政府信息公开条例》规定，现公布{agency}{year}年度政府信息公开工作年度报告。"
        "报告中所列数据的统计期限为{year}年1月1日至12月31日。如对本报告有疑问，请与{agency}办公室联系。"
    ),
    (
        "按照《中华人民共和国政府信息公开条例》的有关规定，结合本单位工作实际，编制本年度报告。"
        "本报告的电子版可在本级人民政府门户网站政府信息公开专栏查阅或下载。"
    ),
)

WRONG_ORGAN_PREAMBLE = (
    "根据《中华人民共和国政府信息公开条例》规定和年度报告格式的要求，现发布《{other}{year}年政府信息公开工作年度报告》，"
    "本报告统计数据从{year}年1月1日至12月31日。"
)

OVERVIEW = (
    (
        "{year}年，{short}深入贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，坚持以公开为常态、不公开为例外，"
        "围绕中心工作持续深化政务公开，进一步提升公开实效。"
    ),
    (
        "{year}年，{short}认真执行《条例》各项规定，把政务公开纳入年度重点工作统筹推进，健全工作机制，规范公开流程，"
        "各项工作有序开展。"
    ),
    (
        "{year}年，在上级政务公开主管部门的指导下，{short}紧扣年度政务公开工作要点，聚焦重点领域信息公开，"
        "不断拓展公开渠道，切实保障人民群众的知情权、参与权和监督权。"
    ),
)

PROACTIVE = (
    "全年通过门户网站主动公开各类政府信息{a}条，其中机构职能、人事信息{b}条，财政预决算信息{c}条。",
    "通过政务公开栏、门户网站和政务新媒体等渠道发布工作动态{a}条，公开通知公告{b}条，发布政策文件{c}件。",
    "全年公开规划计划、重点项目、财政资金等方面信息{a}条，更新公开目录{b}次，政府信息公开指南及时修订。",
)

ON_REQUEST = (
    "全年共收到政府信息公开申请{n}件，上年结转{c}件，均在法定期限内办理答复。",
    "本年度新收政府信息公开申请{n}件，结转上年度申请{c}件，办理过程严格执行登记、审核、答复等程序。",
)

NO_REQUEST = (
    "本年度未收到政府信息公开申请，没有因政府信息公开工作引起的行政复议和行政诉讼。",
    "{year}年度，本单位未收到依申请公开事项。",
)

MANAGEMENT = (
    "严格落实信息发布审核制度，坚持先审查、后公开，一事一审、全程留痕，全年未发生泄密事件。",
    "对现行有效的规范性文件进行全面梳理，动态调整公开目录，对不再适用的文件及时标注失效。",
    "建立公文公开属性源头认定机制，在拟文环节明确公开方式，确保应公开尽公开。",
)

PLATFORM = (
    "持续加强门户网站建设，优化栏目设置，及时更新内容，提升信息检索和阅读体验。",
    "统筹用好政务新媒体，坚持内容为王，全年编发推文{a}篇，进一步扩大政策知晓面。",
    "在办事大厅设置政务公开专区，配备查阅设备，为群众查阅政府信息提供便利。",
)

SUPERVISION = (
    "调整充实政务公开工作领导小组，明确分管领导和具体承办人员，形成一级抓一级、层层抓落实的工作格局。",
    "将政务公开工作纳入年度目标考核，定期开展自查，对发现的问题限期整改。",
    "组织干部职工参加政务公开业务培训{t}次，不断提升工作人员的业务能力。",
)

PROBLEMS = (
    (
        "{short}政府信息公开工作虽然取得了一定成效，但也存在一些不足：一是公开内容的深度和广度还不够；"
        "二是政策解读的形式较为单一；三是工作人员业务水平有待提高。"
    ),
    "对照上级要求，本单位政务公开工作仍有差距，主要表现在信息更新不够及时、公开栏目维护不够精细。",
)

IMPROVEMENTS = (
    "下一步，我们将加强业务培训，完善工作制度，进一步规范信息发布流程，提升政务公开质量和实效。",
    "下一步，将进一步拓宽公开渠道，丰富解读形式，加强督促检查，推动政务公开工作再上新台阶。",
)

OTHER_V2019 = ("无。", "本年度无其他需要报告的事项。")
OTHER_V2021 = (
    "本年度未收取信息处理费。",
    "{year}年度本机关未发出收费通知，未收取信息处理费。",
)

# Complaint sentences: one per channel, each states the figure the gold records.
COMPLAINTS: dict[str, tuple[str, ...]] = {
    "petition": (
        "全年受理群众来信来访{n}件，均已按期办结。",
        "本年度共受理信访件{n}件，办结率100%。",
    ),
    "hotline": (
        "办理12345政务服务便民热线工单{n}件，按时办结。",
        "全年承办12345热线转办件{n}件，群众满意度持续提升。",
    ),
    "leader_mailbox": (
        "全年办理{leader}信箱来信{n}件，均已答复。",
        "{leader}信箱收到来信{n}件，已全部办结。",
    ),
    "online_message_board": (
        "回复人民网地方领导留言板网民留言{n}条。",
        "门户网站政民互动栏目收到留言{n}条，均已按时回复。",
    ),
    "public_opinion_response": ("全年回应社会关切{n}次，及时澄清不实信息。",),
}

PRE2019_SECTIONS = (
    ("一、加强组织领导，确保各项工作落到实处", SUPERVISION),
    ("二、完善制度建设，健全政务公开工作机制", MANAGEMENT),
    ("三、加强载体建设，拓宽政务公开渠道", PLATFORM),
)


def pick(rng: random.Random, bank: tuple[str, ...], **fields: object) -> str:
    """One sentence of the bank with its fields filled; small figures where none are given."""
    text = rng.choice(bank)
    for key in ("a", "b", "c"):
        fields.setdefault(key, rng.randint(3, 400))
    fields.setdefault("t", rng.randint(1, 12))
    return text.format(**fields)
