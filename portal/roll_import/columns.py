"""Which column holds what: the many names villages give their columns, and the header row's place.

A village's 花名册 has a title or two above the header (the village, the year, "as of" a date), and
names its columns as it always has: 公民身份号码 or 身份证号, 户主姓名 or 户主, in Chinese, English or
Uyghur. The header is the first row among the first few that names at least two known columns, one of
them the name or the ID number; each column is then mapped by its name, and the clerk confirms or
corrects the mapping on the preview before anything is written.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.roll_import.files import RollFileError, cell_text, is_blank

# What a column may hold. IGNORED is a known column the roll does not keep (序号, 民族, 联系电话).
HOUSEHOLD = "household"
HEAD_NAME = "head_name"
RELATIONSHIP = "relationship"
NAME = "name"
NAME_UG = "name_ug"
GENDER = "gender"
BIRTH_DATE = "birth_date"
BIRTH_YEAR = "birth_year"
ID_NUMBER = "id_number"
PARTY_MEMBER = "party_member"
POLITICAL_STATUS = "political_status"
REPRESENTATIVE = "representative"
REMARKS = "remarks"
IGNORED = ""

FIELD_LABELS = {
    HOUSEHOLD: gettext_lazy("Household number"),
    HEAD_NAME: gettext_lazy("Name of the head of household"),
    RELATIONSHIP: gettext_lazy("Relationship to the head of household"),
    NAME: gettext_lazy("Name"),
    NAME_UG: gettext_lazy("Name in Uyghur"),
    GENDER: gettext_lazy("Gender"),
    BIRTH_DATE: gettext_lazy("Date of birth"),
    BIRTH_YEAR: gettext_lazy("Birth year"),
    ID_NUMBER: gettext_lazy("ID number"),
    PARTY_MEMBER: gettext_lazy("Party member (yes or no)"),
    POLITICAL_STATUS: gettext_lazy("Political status"),
    REPRESENTATIVE: gettext_lazy("Villagers' representative (yes or no)"),
    REMARKS: gettext_lazy("Remarks"),
    IGNORED: gettext_lazy("Not imported"),
}

# What to write in each column, for the import page, in the order the page lists them.
FIELD_HELP = {
    HOUSEHOLD: gettext_lazy("The household's number or label; households are created as needed."),
    HEAD_NAME: gettext_lazy(
        "The head's name on each member's row, or only on the first row of the household (an empty cell "
        "continues the household above)."
    ),
    RELATIONSHIP: gettext_lazy(
        "户主 or 本人 starts a household; the rows below it (配偶, 子, 女…) belong to it."
    ),
    NAME: gettext_lazy("The villager's full name."),
    NAME_UG: gettext_lazy("Optional: the name in Uyghur script, which Uyghur pages show."),
    ID_NUMBER: gettext_lazy("The 18-character resident ID number; store the column as text."),
    GENDER: gettext_lazy("M or F (男 or 女); may be left out: the ID number says it."),
    BIRTH_DATE: gettext_lazy("As in 1970-03-05 or 1970.03; may be left out: the ID number says it."),
    BIRTH_YEAR: gettext_lazy("Four digits; may be left out: the ID number says it."),
    POLITICAL_STATUS: gettext_lazy("中共党员 and 中共预备党员 are Party members; any other value is not."),
    PARTY_MEMBER: gettext_lazy("是 or 否 (yes or no); empty means no."),
    REPRESENTATIVE: gettext_lazy("是 or 否 (yes or no): a villagers' representative; empty means no."),
    REMARKS: gettext_lazy("A remark containing 村民代表 marks a villagers' representative."),
}
FIELDS = tuple(FIELD_HELP)
CHINESE_HEADERS = {
    HOUSEHOLD: "户号",
    HEAD_NAME: "户主姓名",
    RELATIONSHIP: "与户主关系",
    NAME: "姓名",
    NAME_UG: "维吾尔文姓名",
    GENDER: "性别",
    BIRTH_DATE: "出生日期",
    BIRTH_YEAR: "出生年份",
    ID_NUMBER: "身份证号",
    PARTY_MEMBER: "党员",
    POLITICAL_STATUS: "政治面貌",
    REPRESENTATIVE: "村民代表",
    REMARKS: "备注",
}
# The columns of the downloadable template: the simple voter list the importer has always read.
TEMPLATE_FIELDS = (HOUSEHOLD, NAME, GENDER, BIRTH_YEAR, ID_NUMBER, PARTY_MEMBER, REPRESENTATIVE)

# Keys as `header_key` leaves them: "Birth year", "birth_year" and "BIRTH-YEAR" are one column.
HEADER_ALIASES = {
    **{field.replace("_", ""): field for field in FIELDS},
    # Chinese
    "户号": HOUSEHOLD,
    "户编号": HOUSEHOLD,
    "户籍编号": HOUSEHOLD,
    "家庭编号": HOUSEHOLD,
    "户": HOUSEHOLD,
    "户主": HEAD_NAME,
    "户主姓名": HEAD_NAME,
    "户主名": HEAD_NAME,
    "与户主关系": RELATIONSHIP,
    "与户主的关系": RELATIONSHIP,
    "户主关系": RELATIONSHIP,
    "家庭关系": RELATIONSHIP,
    "关系": RELATIONSHIP,
    "姓名": NAME,
    "成员姓名": NAME,
    "村民姓名": NAME,
    "家庭成员姓名": NAME,
    "维吾尔文姓名": NAME_UG,
    "维文姓名": NAME_UG,
    "维吾尔语姓名": NAME_UG,
    "维文名": NAME_UG,
    "性别": GENDER,
    "出生日期": BIRTH_DATE,
    "出生年月": BIRTH_DATE,
    "出生年月日": BIRTH_DATE,
    "出生年份": BIRTH_YEAR,
    "出生年": BIRTH_YEAR,
    "身份证号": ID_NUMBER,
    "身份证号码": ID_NUMBER,
    "身份证": ID_NUMBER,
    "公民身份号码": ID_NUMBER,
    "公民身份证号码": ID_NUMBER,
    "证件号码": ID_NUMBER,
    "党员": PARTY_MEMBER,
    "是否党员": PARTY_MEMBER,
    "政治面貌": POLITICAL_STATUS,
    "村民代表": REPRESENTATIVE,
    "是否村民代表": REPRESENTATIVE,
    "备注": REMARKS,
    "序号": IGNORED,
    "编号": IGNORED,
    "民族": IGNORED,
    "联系电话": IGNORED,
    "电话": IGNORED,
    "手机号码": IGNORED,
    "文化程度": IGNORED,
    "家庭住址": IGNORED,
    "住址": IGNORED,
    "年龄": IGNORED,
    # English
    "householdnumber": HOUSEHOLD,
    "householdno.": HOUSEHOLD,
    "head": HEAD_NAME,
    "headofhousehold": HEAD_NAME,
    "relation": RELATIONSHIP,
    "relationshiptohead": RELATIONSHIP,
    "fullname": NAME,
    "uyghurname": NAME_UG,
    "uighurname": NAME_UG,
    "nameinuyghur": NAME_UG,
    "sex": GENDER,
    "dateofbirth": BIRTH_DATE,
    "birthdate": BIRTH_DATE,
    "yearofbirth": BIRTH_YEAR,
    "idnumber": ID_NUMBER,
    "idno.": ID_NUMBER,
    "idcardnumber": ID_NUMBER,
    "partymember": PARTY_MEMBER,
    "politicalstatus": POLITICAL_STATUS,
    "note": REMARKS,
    "notes": REMARKS,
    "no.": IGNORED,
    "ethnicity": IGNORED,
    "phone": IGNORED,
    # Uyghur
    "ئائىلەنومۇرى": HOUSEHOLD,
    "ئائىلەباشلىقى": HEAD_NAME,
    "ئائىلەباشلىقىنىڭئىسمى": HEAD_NAME,
    "ئائىلەباشلىقىبىلەنمۇناسىۋىتى": RELATIONSHIP,
    "مۇناسىۋىتى": RELATIONSHIP,
    "ئىسمى": NAME,
    "ئىسىمفامىلىسى": NAME,
    "ئۇيغۇرچەئىسمى": NAME_UG,
    "جىنسى": GENDER,
    "تۇغۇلغانۋاقتى": BIRTH_DATE,
    "تۇغۇلغانيىلى": BIRTH_YEAR,
    "كىملىكنومۇرى": ID_NUMBER,
    "پارتىيەئەزاسى": PARTY_MEMBER,
    "سىياسىيسالاھىيىتى": POLITICAL_STATUS,
    "ۋەكىل": REPRESENTATIVE,
    "كەنتئاھالىلەرۋەكىلى": REPRESENTATIVE,
    "ئىزاھات": REMARKS,
    "تەرتىپنومۇرى": IGNORED,
    "مىللىتى": IGNORED,
    "تېلېفوننومۇرى": IGNORED,
}

# A Uyghur "name" header beside a Chinese one (姓名 and ئىسمى) is the name in Uyghur.
UYGHUR_NAME_HEADERS = frozenset({"ئىسمى", "ئىسىمفامىلىسى"})

REQUIRED = (NAME, ID_NUMBER)
# One of these tells the households apart.
HOUSEHOLD_FIELDS = (HOUSEHOLD, RELATIONSHIP, HEAD_NAME)
# How far down the header may sit under the titles: non-blank rows looked at.
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the row
    header: str

    @property
    def letter(self) -> str:
        """The column's letter as a spreadsheet shows it: A … Z, AA …"""
        number, letters = self.index + 1, ""
        while number:
            number, remainder = divmod(number - 1, 26)
            letters = chr(ord("A") + remainder) + letters
        return letters


@dataclass(frozen=True)
class Header:
    line: int
    columns: list[Column]

    def guessed_mapping(self) -> dict[int, str]:
        """Column index → field, from the header's names; unknown columns are not imported."""
        mapping = {
            column.index: HEADER_ALIASES.get(header_key(column.header), IGNORED) for column in self.columns
        }
        names = [column for column in self.columns if mapping[column.index] == NAME]
        if len(names) > 1 and NAME_UG not in mapping.values():
            for column in names:
                if header_key(column.header) in UYGHUR_NAME_HEADERS:
                    mapping[column.index] = NAME_UG
        return mapping


def header_key(cell) -> str:
    text = cell_text(cell).casefold()
    return "".join(character for character in text if not character.isspace() and character not in "_-·:：")


def find_header(lines) -> tuple[Header, list]:
    """The header row and the rows left after it, from (line, cells) pairs."""
    looked_at = 0
    for line, cells in lines:
        if is_blank(cells):
            continue
        fields = [HEADER_ALIASES.get(header_key(cell)) for cell in cells]
        known = [field for field in fields if field is not None]
        if len(known) >= 2 and (NAME in known or ID_NUMBER in known):
            last = max(index for index, cell in enumerate(cells) if cell_text(cell))
            columns = [Column(index, cell_text(cells[index])) for index in range(last + 1)]
            return Header(line, columns), lines
        looked_at += 1
        if looked_at >= HEADER_SEARCH_ROWS:
            break
    if looked_at == 0:
        raise RollFileError(_("The file is empty."))
    names = "、".join(CHINESE_HEADERS[field] for field in REQUIRED)
    message = _(
        "No header row was found in the first %(rows)s rows: the row that names the columns must name at "
        "least the name and the ID number (%(names)s)."
    )
    raise RollFileError(message % {"rows": HEADER_SEARCH_ROWS, "names": names})


def field_columns(header: Header, mapping: Mapping[int, str]) -> tuple[dict[str, int], list[str]]:
    """Field → column index from a column → field mapping, and what is wrong with the mapping."""
    problems, columns = [], {}
    by_index = {column.index: column for column in header.columns}
    for index, field in sorted(mapping.items()):
        if field == IGNORED:
            continue
        if field in columns:
            message = _("Two columns hold the same thing (%(field)s): %(first)s and %(second)s; keep one.")
            problems.append(
                message
                % {
                    "field": FIELD_LABELS[field],
                    "first": column_label(by_index[columns[field]]),
                    "second": column_label(by_index[index]),
                }
            )
            continue
        columns[field] = index
    missing = [field for field in REQUIRED if field not in columns]
    if missing:
        names = ", ".join(f"{FIELD_LABELS[field]} ({CHINESE_HEADERS[field]})" for field in missing)
        message = _("No column holds: %(fields)s. Name it in the header row or choose its column below.")
        problems.append(message % {"fields": names})
    if not any(field in columns for field in HOUSEHOLD_FIELDS):
        problems.append(
            _(
                "No column tells the households apart: choose the household number (户号), the name of "
                "the head of household (户主姓名) or the relationship to the head (与户主关系)."
            )
        )
    return columns, problems


def column_label(column: Column) -> str:
    return _("column %(letter)s “%(header)s”") % {"letter": column.letter, "header": column.header}
