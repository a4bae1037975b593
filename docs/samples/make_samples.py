"""Write the three sample roll files of this folder: `python docs/samples/make_samples.py`.

They are shaped like the rolls villages keep (花名册): title rows above the header, the columns under
their usual names, households under their heads, ID numbers as text. Every person is invented; the ID
numbers carry a valid check symbol and a region code of no real roll. tests/portal/test_roll_samples.py
imports each file and checks what it adds.
"""

import csv
import datetime
import io
import sys
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from portal.idcard import with_check_symbol  # noqa: E402

REGION = "659999"  # no county has this code: no sample number can be a real person's


def id_number(born: str, serial: int, gender: str) -> str:
    """An 18-character number: the 17th digit is odd for a man, even for a woman."""
    sequence = serial * 2 + (1 if gender == "M" else 0)
    return with_check_symbol(f"{REGION}{born.replace('-', '')}{sequence % 1000:03d}")


# Household roster of Bostan (博斯坦村): head first, then the members; children are on it too.
# (relationship, name, gender, born, political status, remark)
BOSTAN = [
    [
        ("户主", "阿不都热合曼·吐尔逊", "M", "1968-04-12", "中共党员", "村民代表"),
        ("配偶", "帕提古丽·买买提", "F", "1971-09-03", "群众", ""),
        ("长子", "艾力·阿不都热合曼", "M", "1995-01-20", "共青团员", ""),
        ("孙女", "米热古丽·艾力", "F", "2016-06-08", "", "在校学生"),
    ],
    [
        ("户主", "王建国", "M", "1962-11-30", "中共党员", ""),
        ("妻", "李秀兰", "F", "1964-02-14", "群众", "村民代表"),
        ("女", "王丽", "F", "1990-07-22", "中共预备党员", ""),
    ],
    [
        ("本人", "热依拉·司马义", "F", "1980-03-05", "群众", "村民代表、妇女小组长"),
        ("子", "伊卜拉欣·司马义", "M", "2003-12-01", "共青团员", "外出务工"),
        ("女", "阿依努尔·司马义", "F", "2014-05-17", "", ""),
    ],
    [
        ("户主", "买买提明·托合提", "M", "1955-08-19", "群众", "五保户"),
    ],
    [
        ("户主", "张伟", "M", "1985-10-10", "群众", ""),
        ("妻", "马玉梅", "F", "1987-12-24", "群众", ""),
        ("子", "张子轩", "M", "2015-03-03", "", ""),
        ("母亲", "刘桂英", "F", "1958-01-09", "中共党员", ""),
    ],
    [
        ("户主", "吐尔逊·艾买提", "M", "1975-06-30", "中共党员", "村民代表"),
        ("妻", "古丽娜尔·吾守尔", "F", "1978-04-02", "群众", ""),
        ("次子", "麦麦提·吐尔逊", "M", "2001-09-15", "群众", ""),
    ],
]


def bostan_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    header = [
        "序号",
        "户主姓名",
        "与户主关系",
        "姓名",
        "性别",
        "民族",
        "出生日期",
        "公民身份号码",
        "政治面貌",
    ]
    header += ["文化程度", "联系电话", "备注"]
    sheet.append(["托格拉克乡博斯坦村村民花名册"])
    sheet.append(["填报单位：博斯坦村村民委员会", None, None, None, None, None, None, "截至：2025年12月31日"])
    sheet.append(header)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    serial, row = 0, 4
    for household in BOSTAN:
        first = row
        for relationship, name, gender, born, status, remark in household:
            serial += 1
            ethnicity = "汉族" if name[0] in "王李张马刘" else "维吾尔族"
            sheet.append(
                [
                    serial,
                    household[0][1] if row == first else None,  # merged below: only the first cell holds it
                    relationship,
                    name,
                    "男" if gender == "M" else "女",
                    ethnicity,
                    datetime.date.fromisoformat(born),
                    id_number(born, serial, gender),
                    status,
                    None,
                    f"139{serial:08d}",
                    remark,
                ]
            )
            sheet.cell(row=row, column=7).number_format = "yyyy-mm-dd"
            sheet.cell(row=row, column=8).number_format = "@"  # the ID column stored as text
            row += 1
        if row - first > 1:
            sheet.merge_cells(start_row=first, start_column=2, end_row=row - 1, end_column=2)
    return _saved(workbook)


# Yulghun (玉勒滚村) keeps a voter list by household number and saves it from Excel as CSV, in the
# Chinese Windows code page. (household, name, gender, born, party, representative)
YULGHUN = [
    ("001", "努尔买买提·阿木提", "M", "1966-02-11", "是", "是"),
    ("001", "阿依先木·努尔", "F", "1969-10-28", "否", ""),
    ("002", "陈志强", "M", "1979-05-06", "否", "否"),
    ("002", "黄丽华", "F", "1981-08-15", "是", ""),
    ("002", "陈浩", "M", "2000-11-11", "", ""),
    ("003", "吾斯曼·卡德尔", "M", "1958-12-19", "是", "是"),
    ("004", "祖丽皮亚·艾则孜", "F", "1992-03-27", "", "是"),
    ("004", "艾则孜·吾斯曼", "M", "1990-01-01", "", ""),
    ("005", "杨淑芬", "F", "1973-07-07", "否", "否"),
    ("005", "杨帆", "M", "2017-09-09", "", ""),
]


def yulghun_csv() -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["玉勒滚村选民登记表（2026年）"])
    writer.writerow([])
    writer.writerow(["户号", "姓名", "性别", "出生年月", "身份证号", "是否党员", "是否村民代表", "联系电话"])
    for serial, (household, name, gender, born, party, representative) in enumerate(YULGHUN, start=101):
        month = born[:7].replace("-", ".")  # 出生年月: year and month only
        sex = "男" if gender == "M" else "女"
        number = id_number(born, serial, gender)
        writer.writerow([household, name, sex, month, number, party, representative, f"138{serial:08d}"])
    return text.getvalue().encode("gb18030")


# A roster kept in Uyghur: the head's name on every row, no relationship column.
# (head, name, gender, born, political status, remark)
ARAL = [
    ("ئابدۇكېرىم قادىر", "ئابدۇكېرىم قادىر", "M", "1970-05-05", "كومپارتىيە ئەزاسى", "كەنت ئاھالىلەر ۋەكىلى"),
    ("ئابدۇكېرىم قادىر", "مەريەم ئابلىز", "F", "1972-07-17", "", ""),
    ("ئابدۇكېرىم قادىر", "ئەنۋەر ئابدۇكېرىم", "M", "1998-02-02", "", ""),
    ("تۇرسۇنگۈل ياسىن", "تۇرسۇنگۈل ياسىن", "F", "1984-11-21", "中共党员", ""),
    ("تۇرسۇنگۈل ياسىن", "دىلنۇر ئەخمەت", "F", "2018-04-04", "", ""),
    ("ھېۋىز ئوسمان", "ھېۋىز ئوسمان", "M", "1961-01-31", "", "村民代表"),
    ("ھېۋىز ئوسمان", "ئايشەم تۇردى", "F", "1963-06-16", "كومپارتىيە تولۇقسىز ئەزاسى", ""),
]


def aral_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "ئاھالىلەر"
    sheet.sheet_view.rightToLeft = True
    sheet.append(["ئارال كەنتى ئاھالىلەر تىزىملىكى"])
    sheet.append(
        [
            "تەرتىپ نومۇرى",
            "ئائىلە باشلىقى",
            "ئىسمى",
            "جىنسى",
            "كىملىك نومۇرى",
            "سىياسىي سالاھىيىتى",
            "ئىزاھات",
        ]
    )
    for serial, (head, name, gender, born, status, remark) in enumerate(ARAL, start=201):
        sex = "ئەر" if gender == "M" else "ئايال"
        sheet.append([serial - 200, head, name, sex, id_number(born, serial, gender), status, remark])
    return _saved(workbook)


def _saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SAMPLES = {
    "huamingce-bostan.xlsx": bostan_xlsx,
    "roll-yulghun-gb18030.csv": yulghun_csv,
    "roll-aral-uyghur.xlsx": aral_xlsx,
}

if __name__ == "__main__":
    for name, make in SAMPLES.items():
        (HERE / name).write_bytes(make())
        print(f"wrote {HERE / name}")
