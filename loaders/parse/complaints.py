"""Complaint and petition figures stated in the narrative: channel, count, and the sentence."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from loaders.document import Line
from loaders.parse.narrative import SENTENCE_ENDS

# Channel keywords; the figure belongs to the nearest keyword before it in the same sentence.
CHANNEL_PATTERNS: list[tuple[str, str]] = [
    ("petition", r"信访|来信来访"),
    ("hotline", r"12345|市长热线|便民服务热线|服务热线|热线"),
    ("leader_mailbox", r"(?:市长|书记|县长|区长|主任|局长|厅长|省长|州长|旗长|领导)信箱"),
    ("online_message_board", r"留言板|网站留言|网民留言|政民互动|网络问政"),
    ("public_opinion_response", r"舆情回应|回应公众关注|回应社会关切|网络舆情|舆情"),
]
# Every channel pattern contains one of these: a cheap test before the full pattern runs.
_HINTS = re.compile("信访|来信|12345|热线|信箱|留言|政民|问政|舆情|回应")
_KEYWORDS = re.compile("|".join(f"(?P<{k}>{p})" for k, p in CHANNEL_PATTERNS))
_FIGURE = re.compile(r"(?<![\d.第])(\d[\d,]*)\s*(人次|件|条|次|封|批|起|个)(?!%)")
_SENTENCE_BREAK = re.compile(f"[{SENTENCE_ENDS}]")
_WINDOW = 30


@dataclass(frozen=True)
class Complaint:
    channel_key: str
    value: float
    unit: str
    evidence: str
    line: Line


def _sentence(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_BREAK.finditer(text, 0, start)), default=0)
    right_m = _SENTENCE_BREAK.search(text, end)
    right = right_m.end() if right_m else len(text)
    return text[left:right].strip()


_PARAGRAPH_END = re.compile(f"[{SENTENCE_ENDS}:：]$")  # a line ending a clause ends its paragraph


def _paragraphs(lines: list[Line]) -> list[tuple[Line, str]]:
    """Prose re-joined where extraction wrapped a sentence over lines; keyed by its first line."""
    out: list[tuple[Line, str]] = []
    open_paragraph = False
    for line in lines:
        if line.is_row:
            open_paragraph = False
            continue
        if open_paragraph:
            first, text = out[-1]
            # never glue digits across a line end: a figure must be printed whole on one line
            glue = " " if text[-1:].isdigit() and line.text[:1].isdigit() else ""
            out[-1] = (first, text + glue + line.text)
        else:
            out.append((line, line.text))
        open_paragraph = len(line.text) >= 20 and not _PARAGRAPH_END.search(line.text)
    return out


def find_complaints(lines: list[Line]) -> list[Complaint]:
    """First figure per channel in prose lines, in reading order."""
    found: dict[str, Complaint] = {}
    for line, text in _paragraphs(lines):
        if not _HINTS.search(text):
            continue
        keywords = [(m.start(), m.end(), m.lastgroup) for m in _KEYWORDS.finditer(text)]
        if not keywords:
            continue
        ends = [k[1] for k in keywords]
        for fig in _FIGURE.finditer(text):
            nearest = bisect.bisect_right(ends, fig.start()) - 1
            if nearest < 0:
                continue
            k_start, k_end, channel = keywords[nearest]
            gap = text[k_end : fig.start()]
            if channel in found or len(gap) > _WINDOW or _SENTENCE_BREAK.search(gap):
                continue
            if _FIGURE.search(gap):  # a nearer figure already took this keyword
                continue
            value = float(fig.group(1).replace(",", ""))
            found[channel] = Complaint(
                channel, value, fig.group(2), _sentence(text, k_start, fig.end()), line
            )
    return list(found.values())
