"""The two national templates as data: tables, rows, columns and the words that name them.

Labels in real reports vary (full- or half-width brackets, extra spaces, typos such as
本年度止件数, a label broken over two lines), so every row and column is recognised by
*keywords* matched against a normalised label (see ``normalize``), never by the exact
printed string. Code walks these tables; it does not hard-code rows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

TEMPLATES = ("2019", "2021")


@dataclass(frozen=True)
class Field:
    """One row or column of a template table.

    ``keywords``: alternatives; a label matches when it contains every word of any one
    alternative (words separated by ``+``); an alternative starting with ``=`` must be the
    whole label after its last ordinal (``3.其他``), for words as common as 其他.
    ``templates``: where the field exists.
    ``label``: the printed label of the official template, for messages and metadata.
    """

    key: str
    label: str
    keywords: tuple[str, ...]
    templates: tuple[str, ...] = TEMPLATES


# Table 三 columns, in printed order.
APPLICANT_COLUMNS: tuple[Field, ...] = (
    Field("natural_person", "自然人", ("自然人",)),
    Field("commercial", "商业企业", ("商业企业", "商业+企业")),
    Field("research", "科研机构", ("科研机构", "科研")),
    Field("social_org", "社会公益组织", ("社会公益组织", "公益组织", "公益")),
    Field("legal_service", "法律服务机构", ("法律服务机构", "法律服务")),
    Field("other", "其他", ("其他",)),
    Field("total", "总计", ("总计", "合计")),
)

# Table 三 rows, in printed order. ``section`` is the 三（N） group a sub-row belongs to.
APPLICATION_ROWS: tuple[Field, ...] = (
    Field("new", "一、本年新收政府信息公开申请数量", ("本年新收", "新收+申请")),
    Field("carried_over", "二、上年结转政府信息公开申请数量", ("上年结转",)),
    Field("granted", "三（一）予以公开", ("予以公开",)),
    Field("partly_granted", "三（二）部分公开", ("部分公开",)),
    Field("refused.state_secret", "三（三）1.属于国家秘密", ("国家秘密",)),
    Field("refused.prohibited_by_law", "三（三）2.其他法律行政法规禁止公开", ("禁止公开", "其他法律")),
    Field("refused.security_stability", "三（三）3.危及“三安全一稳定”", ("三安全一稳定", "危及")),
    Field("refused.third_party", "三（三）4.保护第三方合法权益", ("第三方",)),
    Field("refused.internal_affairs", "三（三）5.属于三类内部事务信息", ("内部事务",)),
    Field("refused.process_info", "三（三）6.属于四类过程性信息", ("过程性",)),
    Field("refused.enforcement_file", "三（三）7.属于行政执法案卷", ("执法案卷",)),
    Field("refused.inquiry", "三（三）8.属于行政查询事项", ("行政查询", "查询事项")),
    Field("unavailable.not_held", "三（四）1.本机关不掌握相关政府信息", ("不掌握",)),
    Field("unavailable.needs_creation", "三（四）2.没有现成信息需要另行制作", ("另行制作", "没有现成")),
    Field("unavailable.unclear", "三（四）3.补正后申请内容仍不明确", ("不明确", "补正后")),
    Field("not_processed.complaint", "三（五）1.信访举报投诉类申请", ("信访", "举报投诉")),
    Field("not_processed.duplicate", "三（五）2.重复申请", ("重复申请",)),
    Field("not_processed.publication", "三（五）3.要求提供公开出版物", ("出版物", "提供+公开出版")),
    Field("not_processed.excessive", "三（五）4.无正当理由大量反复申请", ("大量反复", "反复申请", "无正当理由+大量")),
    Field("not_processed.confirmation", "三（五）5.要求行政机关确认或重新出具已获取信息",
          ("确认+重新出具", "重新出具", "已获取信息", "行政机关确认", "确认+重新")),
    Field("other.no_correction", "三（六）1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
          ("逾期不补正", "不补正", "逾期不", "申请人无正当理由"), ("2021",)),
    Field("other.no_fee", "三（六）2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
          ("收费通知", "缴纳费用", "逾期未按"), ("2021",)),
    Field("other.other", "三（六）3.其他", ("=其他", "=其他情形"), ("2021",)),
    Field("other", "三（六）其他处理", ("其他处理",), ("2019",)),
    Field("processed_total", "三（七）总计", ("总计", "合计")),
    Field("carried_forward", "四、结转下年度继续办理", ("结转下年度", "下年度继续办理")),
)

# The 三（N） groups, which carry no numbers of their own; a sub-row is read inside one.
APPLICATION_SECTIONS: tuple[Field, ...] = (
    Field("refused", "（三）不予公开", ("不予公开",)),
    Field("unavailable", "（四）无法提供", ("无法提供",)),
    Field("not_processed", "（五）不予处理", ("不予处理",)),
    Field("other", "（六）其他处理", ("其他处理",)),
)

# Table 四: three groups of five columns, printed left to right in this order.
REVIEW_GROUPS: tuple[Field, ...] = (
    Field("review", "行政复议", ("行政复议",)),
    Field("litigation_direct", "行政诉讼·未经复议直接起诉", ("未经复议", "直接起诉")),
    Field("litigation_after_review", "行政诉讼·复议后起诉", ("复议后起诉",)),
)
REVIEW_COLUMNS: tuple[Field, ...] = (
    Field("upheld", "结果维持", ("维持",)),
    Field("corrected", "结果纠正", ("纠正",)),
    Field("other", "其他结果", ("其他",)),
    Field("pending", "尚未审结", ("尚未审结", "未审结")),
    Field("total", "总计", ("总计", "合计")),
)


@dataclass(frozen=True)
class ActiveItem:
    """One row of table 二: ``columns`` are the value keys in printed order.

    An item with a single column is stored as a bare number (2021 template:
    ``"licensing": 637``); otherwise as a dict of its columns.
    """

    key: str
    label: str
    keywords: tuple[str, ...]
    columns: tuple[Field, ...]
    template: str


_2021_DOCS = (
    Field("issued", "本年制发件数", ("制发",)),
    Field("repealed", "本年废止件数", ("废止", "本年度止", "止件数")),
    Field("in_force", "现行有效件数", ("现行有效", "有效件数")),
)
_2021_DECISIONS = (Field("decisions", "本年处理决定数量", ("处理决定",)),)
_2019_DOCS = (
    Field("new_made", "本年新制作数量", ("新制作", "制作数量")),
    Field("new_published", "本年新公开数量", ("新公开",)),
    Field("total_published", "对外公开总数量", ("公开总数", "总数量")),
)
_2019_ITEMS = (
    Field("prev_items", "上一年项目数量", ("上一年", "项目数量")),
    Field("change", "本年增/减", ("增", "减")),
    Field("decisions", "处理决定数量", ("处理决定",)),
)

ACTIVE_ITEMS: tuple[ActiveItem, ...] = (
    ActiveItem("rules", "规章", ("规章",), _2021_DOCS, "2021"),
    ActiveItem("normative_documents", "行政规范性文件", ("规范性文件",), _2021_DOCS, "2021"),
    ActiveItem("licensing", "行政许可", ("行政许可",), _2021_DECISIONS, "2021"),
    ActiveItem("punishment", "行政处罚", ("行政处罚",), _2021_DECISIONS, "2021"),
    ActiveItem("coercion", "行政强制", ("行政强制",), _2021_DECISIONS, "2021"),
    ActiveItem("fees", "行政事业性收费", ("行政事业性收费", "事业性收费"),
               (Field("amount", "本年收费金额（单位：万元）", ("收费金额",)),), "2021"),
    ActiveItem("rules", "规章", ("规章",), _2019_DOCS, "2019"),
    ActiveItem("normative_documents", "规范性文件", ("规范性文件",), _2019_DOCS, "2019"),
    ActiveItem("licensing", "行政许可", ("行政许可",), _2019_ITEMS, "2019"),
    ActiveItem("other_services", "其他对外管理服务事项", ("对外管理服务", "管理服务事项"), _2019_ITEMS, "2019"),
    ActiveItem("punishment", "行政处罚", ("行政处罚",), _2019_ITEMS, "2019"),
    ActiveItem("coercion", "行政强制", ("行政强制",), _2019_ITEMS, "2019"),
    ActiveItem("fees", "行政事业性收费", ("行政事业性收费", "事业性收费"), _2019_ITEMS[:2], "2019"),
    ActiveItem("procurement", "政府集中采购", ("集中采购",),
               (Field("items", "采购项目数量", ("采购项目",)), Field("amount", "采购总金额", ("采购总金额", "总金额"))), "2019"),
)

# Words found only in one template's table labels: how the template is detected.
TEMPLATE_MARKERS: dict[str, tuple[str, ...]] = {
    "2021": ("本年制发件数", "现行有效件数", "本年废止件数", "本年收费金额", "逾期不补正", "收费通知"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "政府集中采购", "采购总金额"),
}

# Section headings of the report, in order.
SECTIONS: tuple[Field, ...] = (
    Field("overview", "一、总体情况", ("总体情况",)),
    Field("active", "二、主动公开政府信息情况", ("主动公开政府信息情况",)),
    Field("applications", "三、收到和处理政府信息公开申请情况", ("收到和处理政府信息公开申请",)),
    Field("review_litigation", "四、政府信息公开行政复议、行政诉讼情况", ("行政复议+行政诉讼情况", "行政复议、行政诉讼")),
    Field("problems", "五、存在的主要问题及改进情况", ("存在的主要问题",)),
    Field("other_matters", "六、其他需要报告的事项", ("其他需要报告",)),
)

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "〔": "[", "〕": "]", "、": ",", "，": ",", "．": ".", "：": ":"})
_SPACE = re.compile(r"\s+")


def normalize(label: str) -> str:
    """Fold a printed label to a comparable form: NFKC, half-width brackets, no spaces."""
    folded = unicodedata.normalize("NFKC", label).translate(_BRACKETS)
    return _SPACE.sub("", folded)


def matches(field: Field | ActiveItem, label: str) -> bool:
    """Whether a normalised label names ``field`` (every word of one keyword alternative)."""
    return match_score(field, label) > 0


def application_rows(template: str) -> tuple[Field, ...]:
    return tuple(row for row in APPLICATION_ROWS if template in row.templates)


@lru_cache(maxsize=4096)
def is_section_piece(label: str, template: str) -> bool:
    """Whether a label is a 三（N） group label or its first piece (``（三）不予`` wrapped in
    a narrow column), which names no row of ``template``: read as a row, it would cut
    the row it is printed beside from its numbers. Remembered: labels recur in every report."""
    text = normalize(label)
    rows = {row.key for row in application_rows(template)}
    return len(text) >= 3 and any(normalize(section.label).startswith(text)
                                  for section in APPLICATION_SECTIONS if section.key not in rows)


def active_items(template: str) -> tuple[ActiveItem, ...]:
    return tuple(item for item in ACTIVE_ITEMS if item.template == template)


# --- grid area: scored matching, so the most specific row wins -------------------------

# An ordinal that starts a label or a part of it: 三、 （六） 3. 3、
ORDINAL = re.compile(r"(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3},|\d{1,2}[.,])")
_EDGE_PUNCT = " .,:;()[]\"'“”‘’"


def strip_ordinals(label: str) -> str:
    """The normalised label after its last ordinal: ``(六)其他处理3.其他`` → ``其他``."""
    text = normalize(label)
    ends = [m.end() for m in ORDINAL.finditer(text)]
    return text[ends[-1] if ends else 0:].strip(_EDGE_PUNCT)


def match_score(field: Field | ActiveItem, label: str) -> int:
    """How specifically ``label`` names ``field``: the length of the longest matching
    keyword alternative, 0 when none matches (the longest keyword wins between rows)."""
    text = normalize(label)
    best = 0
    for alt in field.keywords:
        if alt.startswith("="):
            if strip_ordinals(label) == alt[1:]:
                best = max(best, len(alt) - 1)
        elif all(word in text for word in alt.split("+")):
            best = max(best, len(alt.replace("+", "")))
    return best
