"""Reading each row of a roll: the person, their household, and every reason the row cannot be read.

The ID number is the one fact a row must have right: birth year and gender come from it when the file
has no column for them, and contradict it at the clerk's peril. An ID number that Excel turned into a
number is recognised by its marks (scientific notation, zeros where the last digits were, a lost final
X) and explained, since typing it again as text is the only fix.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal.idcard import IdNumber, IdNumberError, check_symbol, parse_id_number
from portal.models import Household, Resident
from portal.roll_import import columns as c
from portal.roll_import.files import cell_text

GENDERS = {
    "m": Resident.Gender.MALE,
    "male": Resident.Gender.MALE,
    "男": Resident.Gender.MALE,
    "ئەر": Resident.Gender.MALE,
    "f": Resident.Gender.FEMALE,
    "female": Resident.Gender.FEMALE,
    "女": Resident.Gender.FEMALE,
    "ئايال": Resident.Gender.FEMALE,
}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "ھەئە"}
NO = {"否", "n", "no", "false", "0", "", "ياق"}
# 政治面貌 of a Communist Party member, full or probationary; 共青团员, 群众 and the other parties' members
# (民盟盟员, 致公党党员…) are not.
PARTY_STATUSES = {
    "中共党员",
    "中共预备党员",
    "中国共产党党员",
    "中国共产党预备党员",
    "党员",
    "预备党员",
    "cpcmember",
    "cpcprobationarymember",
    "كومپارتىيەئەزاسى",
    "كومپارتىيەتولۇقسىزئەزاسى",
}
REPRESENTATIVE_REMARKS = ("村民代表", "representative", "ۋەكىل")
HEADS = {"户主", "本人", "户主本人", "head", "self", "ئائىلەباشلىقى", "ئۆزى"}

VOTING_AGE = 18
NAME_MAX_LENGTH = Resident._meta.get_field("name").max_length
HOUSEHOLD_MAX_LENGTH = Household._meta.get_field("number").max_length
SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
DATE = re.compile(r"^(\d{4})(?:[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?)?(?:T[\d:]+)?$")


@dataclass(frozen=True)
class RollRow:
    line: int
    household: str
    name: str
    gender: str
    birth_year: int
    id_number: IdNumber
    party_member: bool
    representative: bool
    name_ug: str = ""


@dataclass
class RowResult:
    """One data row as the preview shows it: the person, or why not."""

    line: int
    name: str
    row: RollRow | None = None
    problems: list[str] = field(default_factory=list)
    left_out: str = ""  # why a readable row is not added to the roll


class RowReader:
    """Reads data rows in file order; households follow from the rows before (head, then members)."""

    def __init__(self, columns: dict[str, int], year: int):
        self.columns = columns
        self.year = year
        self.first_line_of: dict[str, int] = {}
        self.household: str | None = None  # the household the next member row joins
        self.head_labels: set[str] = set()

    def read(self, line: int, cells: list) -> RowResult:
        values = {name: cells[index] if index < len(cells) else None for name, index in self.columns.items()}
        name = cell_text(values.get(c.NAME))
        result = RowResult(line=line, name=name)
        problems = result.problems
        if not name:
            problems.append(_("The name is empty."))
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(_("The name is longer than %(max)s characters.") % {"max": NAME_MAX_LENGTH})
        name_ug = cell_text(values.get(c.NAME_UG))
        if len(name_ug) > NAME_MAX_LENGTH:
            message = _("The name in Uyghur is longer than %(max)s characters.")
            problems.append(message % {"max": NAME_MAX_LENGTH})

        id_number = id_number_of(values.get(c.ID_NUMBER), problems)
        gender = self._gender(values.get(c.GENDER), id_number, problems)
        birth_year = self._birth_year(values, id_number, problems)
        if id_number is not None:
            first = self.first_line_of.setdefault(id_number.normalized, line)
            if first != line:
                message = _("The same ID number is also on line %(first)s; a person is listed only once.")
                problems.append(message % {"first": first})
        household = self._household(values, name, id_number, problems)
        party_member = _flag(values.get(c.PARTY_MEMBER), c.PARTY_MEMBER, problems) or _party_status(
            values.get(c.POLITICAL_STATUS)
        )
        representative = _flag(values.get(c.REPRESENTATIVE), c.REPRESENTATIVE, problems) or _remark_says(
            values.get(c.REMARKS)
        )
        if problems:
            return result
        result.row = RollRow(
            line=line,
            household=household,
            name=name,
            gender=gender,
            birth_year=birth_year,
            id_number=id_number,
            party_member=party_member,
            representative=representative,
            name_ug=name_ug,
        )
        if self.year - birth_year < VOTING_AGE:
            result.left_out = _("Under %(age)s this year: not on the voter roll.") % {"age": VOTING_AGE}
        return result

    def _gender(self, value, id_number: IdNumber | None, problems: list) -> str | None:
        text = cell_text(value)
        from_id = gender_of(id_number) if id_number else None
        if not text:
            return from_id  # without a valid ID number, its own problem says enough
        gender = GENDERS.get(text.casefold())
        if gender is None:
            message = _("The gender “%(value)s” is not understood; write M or F (男 or 女).")
            problems.append(message % {"value": text})
        elif from_id is not None and gender != from_id:
            message = _("The gender “%(value)s” does not match the ID number, which says %(gender)s.")
            problems.append(message % {"value": text, "gender": Resident.Gender(from_id).label})
        return gender

    def _birth_year(self, values: dict, id_number: IdNumber | None, problems: list) -> int | None:
        id_date = id_number.birth_date if id_number else None
        year_text = cell_text(values.get(c.BIRTH_YEAR))
        if year_text:
            well_formed = year_text.isascii() and year_text.isdigit() and len(year_text) == 4
            if not well_formed or not 1900 <= int(year_text) <= self.year:
                message = _("The birth year “%(value)s” is not a year such as 1970.")
                problems.append(message % {"value": year_text})
            elif id_date and int(year_text) != id_date.year:
                message = _("The birth year %(year)s does not match the ID number, which says %(id_year)s.")
                problems.append(message % {"year": year_text, "id_year": id_date.year})
        date_value = values.get(c.BIRTH_DATE)
        date_text = cell_text(date_value)
        if date_text:
            parts = _date_parts(date_value)
            if parts is None:
                message = _("The date of birth “%(value)s” is not a date such as 1970-03-05.")
                problems.append(message % {"value": date_text})
            elif id_date and parts != (id_date.year, id_date.month, id_date.day)[: len(parts)]:
                message = _("The date of birth %(value)s does not match the ID number, which says %(date)s.")
                problems.append(message % {"value": date_text, "date": id_date.isoformat()})
        return id_date.year if id_date else None

    def _household(self, values: dict, name: str, id_number: IdNumber | None, problems: list) -> str | None:
        if c.HOUSEHOLD in self.columns:
            household = cell_text(values.get(c.HOUSEHOLD))
            if not household:
                problems.append(_("The household is empty."))
            elif len(household) > HOUSEHOLD_MAX_LENGTH:
                message = _("The household is longer than %(max)s characters.")
                problems.append(message % {"max": HOUSEHOLD_MAX_LENGTH})
            return household
        if c.RELATIONSHIP in self.columns:
            relationship = c.header_key(values.get(c.RELATIONSHIP))
            if relationship in HEADS:
                self.household = self._head_label(name, id_number)
            elif self.household is None:
                problems.append(
                    _(
                        "No head of household (户主 or 本人) comes before this row, so its household is "
                        "not known. Put the head's row first, or add a household number column."
                    )
                )
            return self.household
        # Only the head's name: an empty cell continues the household above (a merged cell reads so).
        head = cell_text(values.get(c.HEAD_NAME))
        if head:
            self.household = head[:HOUSEHOLD_MAX_LENGTH]
        elif self.household is None:
            problems.append(_("The name of the head of household is empty."))
        return self.household

    def _head_label(self, name: str, id_number: IdNumber | None) -> str:
        """A household known by its head: the name, and the ID's last four when two heads share it."""
        label = name[:HOUSEHOLD_MAX_LENGTH]
        if label in self.head_labels and id_number is not None:
            label = f"{name[: HOUSEHOLD_MAX_LENGTH - 6]} …{id_number.last4}"
        self.head_labels.add(label)
        return label


def id_number_of(value, problems: list) -> IdNumber | None:
    """The ID number of a cell, or the reason it is not one, naming what Excel did to it."""
    lost_digits = _(
        "The ID number was stored as a number and has lost its last digits; "
        "format the column as text and type it again."
    )
    if isinstance(value, float):
        # Excel keeps 15 significant digits: an ID number typed into a number cell has lost its end.
        problems.append(lost_digits)
        return None
    text = "".join(cell_text(value).split()).upper()
    if not text:
        problems.append(_("The ID number is empty."))
        return None
    if SCIENTIFIC.match(text):
        message = _(
            "The ID number reads “%(value)s”: Excel turned it into a number in scientific notation and "
            "its last digits are lost. Format the column as text and type the number again."
        )
        problems.append(message % {"value": text})
        return None
    if len(text) == 17 and text.isdigit() and check_symbol(text) == "X":
        problems.append(
            _(
                "The ID number has 17 digits and its check symbol would be X: the final X was lost, as "
                "Excel drops it from a number. Format the column as text and add the X."
            )
        )
        return None
    try:
        return parse_id_number(text)
    except IdNumberError as error:
        if len(text) == 18 and text.isdigit() and text.endswith("000"):
            problems.append(lost_digits)  # Excel's 15 digits, the rest turned to zeros
        else:
            problems.append(str(error))
        return None


def gender_of(id_number: IdNumber) -> str:
    """The 17th character of the number: odd for a man, even for a woman (GB 11643)."""
    return Resident.Gender.MALE if int(id_number.normalized[16]) % 2 else Resident.Gender.FEMALE


def _date_parts(value) -> tuple[int, ...] | None:
    """(year, month, day), or as much of it as the cell gives; None when it is not a date."""
    if isinstance(value, datetime.datetime | datetime.date):
        return (value.year, value.month, value.day)
    text = cell_text(value)
    if len(text) == 8 and text.isdigit():  # 19700305
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = DATE.match(text)
    if match is None:
        return None
    parts = tuple(int(part) for part in match.groups() if part is not None)
    if len(parts) > 1 and not 1 <= parts[1] <= 12:
        return None
    if len(parts) > 2:
        try:
            datetime.date(*parts)
        except ValueError:
            return None
    return parts


def _flag(value, field_name: str, problems: list) -> bool:
    text = cell_text(value).casefold()
    if text in YES:
        return True
    if text not in NO:
        message = _("“%(value)s” in the column “%(column)s” is not understood; write 是 or 否 (yes or no).")
        label = _("Party member") if field_name == c.PARTY_MEMBER else _("villagers' representative")
        problems.append(message % {"value": cell_text(value), "column": label})
    return False


def _party_status(value) -> bool:
    return c.header_key(value) in PARTY_STATUSES


def _remark_says(value) -> bool:
    text = cell_text(value).casefold()
    return any(mark in text for mark in REPRESENTATIVE_REMARKS)
