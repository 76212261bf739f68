import csv
from collections import Counter
from pathlib import Path

import pytest

from loaders.parse.regions import Region, RegionMatch, all_regions, resolve_region

ALIASES = Path(__file__).parents[1] / "loaders" / "data" / "zone_aliases.csv"


def code(name: str, year: int | None = None) -> str | None:
    match = resolve_region(name, year)
    return match.region.region_code if match else None


@pytest.mark.parametrize(
    ("name", "province", "prefecture", "county", "region_code"),
    [
        ("青铜峡工业园区管委会", "宁夏回族自治区", "吴忠市", "青铜峡市", "640381"),
        ("中卫市工业和信息化局", "宁夏回族自治区", "中卫市", None, "640500"),
        ("石嘴山高新技术产业开发区管理委员会", "宁夏回族自治区", "石嘴山市", None, "640200"),
        ("银川德胜工业园区管委会", "宁夏回族自治区", "银川市", "贺兰县", "640122"),
        ("沭阳县发展和改革局", "江苏省", "宿迁市", "沭阳县", "321322"),
        ("上海市科委", "上海市", None, None, "310000"),
        ("上海市人民政府办公厅", "上海市", None, None, "310000"),
        ("淮安市人民政府", "江苏省", "淮安市", None, "320800"),
        ("宁夏贺兰工业园区", "宁夏回族自治区", "银川市", "贺兰县", "640122"),
        ("平罗工业园区", "宁夏回族自治区", "石嘴山市", "平罗县", "640221"),
        ("中宁工业园区", "宁夏回族自治区", "中卫市", "中宁县", "640521"),
    ],
)
def test_acceptance_cases(name, province, prefecture, county, region_code):
    match = resolve_region(name)
    assert isinstance(match, RegionMatch)
    r = match.region
    assert (r.province_name, r.prefecture_name, r.county_name, r.region_code) == (
        province,
        prefecture,
        county,
        region_code,
    )
    assert r.region_level == ("county" if county else "prefecture" if prefecture else "province")


@pytest.mark.parametrize(
    "name", ["", "   ", "国务院办公厅", "公安部", "国家统计局", "某某科技有限公司"]
)
def test_unknown_names_resolve_to_none(name):
    assert resolve_region(name) is None


def test_evidence_says_what_matched_and_how():
    assert (
        resolve_region("青铜峡工业园区管委会").evidence == "青铜峡 → 青铜峡市 (county short name)"
    )
    assert resolve_region("银川德胜工业园区管委会").evidence == "德胜工业园区 → 贺兰县 (zone alias)"
    assert "narrowed by 北京市" in resolve_region("北京市朝阳区人民政府").evidence


def test_ambiguous_short_names_fall_back_to_the_certain_unit():
    # 朝阳区 exists in Beijing and Changchun: nothing certain without context.
    assert resolve_region("朝阳区人民政府") is None
    assert code("北京市朝阳区人民政府") == "110105"
    # 和田 names the prefecture and two counties inside it: the prefecture is certain.
    assert code("和田工业园区管委会") == "653200"
    # 伊宁市 and 伊宁县 both lie in 伊犁州.
    assert code("伊犁伊宁工业园区管委会") == "654000"
    # Neither 江北区 is in 南京: keep the prefecture rather than guess.
    assert code("南京市江北新区管理委员会") == "320100"
    # Generic district names need a prefecture to mean anything.
    assert resolve_region("城区人民政府") is None
    assert code("阳泉市城区人民政府") == "140302"
    assert code("淮安市东区管委会") == "320800"


def test_zone_alias_needs_its_context():
    assert resolve_region("德胜工业园区管委会") is None
    assert code("北京德胜工业园区") == "110000"
    assert code("宁东能源化工基地管委会") == "640181"
    assert code("吴忠市利通区金积工业园区管委会") == "640302"
    assert code("太阳山开发区管委会") == "640300"
    assert code("海兴开发区管委会") == "640522"


def test_short_names_inside_ordinary_words_do_not_match():
    assert code("淮安市公安局") == "320800"
    assert code("湖北省公安县人民政府") == "421022"
    assert code("宁夏回族自治区市场监督管理局") == "640000"
    # 贺兰山 is a mountain range, not 贺兰县.
    assert code("宁夏贺兰山东麓葡萄酒产业园区管理委员会") == "640000"
    assert code("内蒙古贺兰山国家级自然保护区管理局") == "150000"


def test_municipalities():
    pudong = resolve_region("上海市浦东新区人民政府").region
    assert pudong == Region("310115", "上海市", None, "浦东新区", "county")
    assert code("重庆市忠县人民政府") == "500233"
    # 河北区 is a Tianjin district, not 河北省.
    assert code("天津市河北区人民政府") == "120105"
    assert code("北京市发展和改革委员会") == "110000"


def test_every_county_resolves_from_its_full_hierarchy():
    for r in all_regions():
        if r.region_level == "county":
            name = f"{r.province_name}{r.prefecture_name or ''}{r.county_name}人民政府"
            assert code(name) == r.region_code, name


def test_all_regions_latest():
    regions = all_regions()
    levels = Counter(r.region_level for r in regions)
    assert levels["province"] == 31
    assert levels["prefecture"] >= 330
    assert levels["county"] >= 2800
    assert len({r.region_code for r in regions}) == len(regions)
    by_code = {r.region_code: r for r in regions}
    assert by_code["310000"] == Region("310000", "上海市", None, None, "province")
    assert by_code["640381"] == Region("640381", "宁夏回族自治区", "吴忠市", "青铜峡市", "county")
    names = {r.prefecture_name for r in regions} | {r.county_name for r in regions}
    assert not names & {"市辖区", "县", "直辖县"}
    assert all(
        r.prefecture_name is None for r in regions if r.region_code[:2] in ("11", "12", "31", "50")
    )


def test_year_selects_the_vintage():
    # 巢湖市 was a prefecture until 2011, then a county-level city under 合肥.
    assert resolve_region("巢湖市人民政府", 2010).region.region_level == "prefecture"
    assert code("巢湖市人民政府", 2010) == "341400"
    assert code("巢湖市人民政府") == "340181"
    assert code("吴江市人民政府", 2010) == "320584"
    assert code("吴江市人民政府") == "320509"
    # Not in the 2005 vintage (created 2009): the latest one answers, and says so.
    late = resolve_region("吴忠市红寺堡区", 2005)
    assert late.region.region_code == "640303"
    assert "2024" in late.evidence
    assert code("沭阳县人民政府", 2030) == "321322"
    assert "341400" in {r.region_code for r in all_regions(2010)}
    assert "341400" not in {r.region_code for r in all_regions()}


def test_alias_table_is_small_and_points_at_real_units():
    with ALIASES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert 5 <= len(rows) <= 20
    assert all(row["note"] for row in rows)
    codes = {r.region_code for r in all_regions()}
    assert all(row["region_code"] in codes for row in rows if row["region_code"])


def test_one_character_off_is_read_when_exactly_one_name_is_that_close():
    from loaders.parse.regions import resolve_in_context

    match = resolve_in_context("新疆维吾尔自治区乌鲁木其市教育局", ())
    assert match.region.region_code == "650100"
    assert match.respelled == ("乌鲁木其市", "乌鲁木齐市")
    # ?州市 is one character from dozens of cities: no reading is certain
    assert resolve_in_context("沪州市人民政府", ()) is None
    assert resolve_in_context("某某开发区管委会", ()) is None  # 开发区 is not a misspelt 开福区


def test_page_names_refine_the_region_but_never_move_it():
    from loaders.parse.regions import resolve_in_context

    match = resolve_in_context("山头街道办事处", ("博山区山头街道",))
    assert match.region.region_code == "370304"
    inside = resolve_in_context("淄博市某某局", ("淄博市博山区某某局",))
    assert inside.region.region_code == "370304"
    elsewhere = resolve_in_context("淄博市某某局", ("银川市兴庆区",))
    assert elsewhere.region.region_code == "370300"


def test_organ_named_by_its_level_takes_the_one_place_of_that_level():
    from loaders.parse.regions import resolve_in_context

    assert resolve_in_context("市外办", (), 2020, ("天津市",)).region.region_code == "120000"
    assert resolve_in_context("市外办", (), 2020, ("天津市", "北京市")) is None


def test_traditional_script_names_resolve():
    assert code("內蒙古自治區") == "150000"
    assert code("西藏自治區人民政府") == "540000"


def test_township_takes_the_one_county_its_text_names():
    from loaders.parse.regions import resolve_in_context

    places = ("吉林省", "吉林市", "桦甸市")
    assert resolve_in_context("某某沟镇人民政府", (), 2012, places).region.region_code == "220282"
    # two counties named: neither is certain
    assert resolve_in_context("某某沟镇人民政府", (), 2012, ("桦甸市", "蛟河市")) is None
    # a county outside the place the name gives is not taken
    outside = resolve_in_context("吉林市某某镇人民政府", (), 2012, ("沭阳县",))
    assert outside.region.region_code == "220200"
