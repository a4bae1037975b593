"""The open data's CSV format for spreadsheets (ratings/results/opendata.py): what Excel would turn
into a number, a date or a formula is written as ="text", and read back exactly."""

import csv
import io

import pytest

from ratings.results import opendata

# Each of these, opened from a CSV, Excel stores as something else: a number (leading zeros lost, a
# 12-digit village code shown as 6.53E+11, a receipt read as 1.2E+71), a date, a truth value, a formula.
CONVERTED = [
    "007",
    "653121100201",
    "0123456789E1",
    "12345E67",
    "1-2",
    "2024-01-02",
    "1/2",
    "12:30",
    "mar-3",
    "3 Mar",
    "1.5",
    "50%",
    "1,234",
    "TRUE",
    "false",
    "=SUM(A1:A9)",
    "+86",
    "-abc",
    "@x",
]
# Codes and names Excel leaves as they are.
KEPT = [
    "satisfied",
    "basically_satisfied",
    "dont_know",
    "B2024-0",
    "0123456789AB",
    "de",
    "张三",
    "abc-def",
    "",
]


@pytest.mark.parametrize("text", CONVERTED)
def test_text_excel_would_convert_is_written_as_a_text_formula_and_read_back(text):
    cell = opendata.for_spreadsheet(text)
    assert cell == f'="{text}"'
    assert opendata.from_spreadsheet(cell) == text


@pytest.mark.parametrize("text", KEPT)
def test_text_excel_keeps_is_written_as_it_is(text):
    assert opendata.for_spreadsheet(text) == text
    assert opendata.from_spreadsheet(text) == text


def test_numbers_stay_numbers_and_quotes_inside_a_formula_are_doubled():
    assert opendata.for_spreadsheet(12) == 12 and opendata.for_spreadsheet(0.75) == 0.75
    cell = opendata.for_spreadsheet('=HYPERLINK("http://x")')
    assert cell == '="=HYPERLINK(""http://x"")"'
    assert opendata.from_spreadsheet(cell) == '=HYPERLINK("http://x")'
    # Longer than a formula's text may be: defused by a visible apostrophe instead.
    long = "=" + "x" * 300
    assert opendata.for_spreadsheet(long) == "'" + long


def test_a_spreadsheet_csv_starts_with_a_bom_and_reads_back_exactly():
    content = opendata.spreadsheet_csv(("code", "n"), [["007", 3], ["satisfied", 4]])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["code", "n"], ['="007"', "3"], ["satisfied", "4"]]
    assert [[opendata.from_spreadsheet(cell) for cell in row] for row in rows[1:]] == [
        ["007", "3"],
        ["satisfied", "4"],
    ]
