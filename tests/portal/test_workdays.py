"""Working days: weekends skipped, the calendar's holidays skipped and its make-up days worked."""

import datetime

from portal.workdays import add_working_days, is_working_day

FRIDAY = datetime.date(2026, 11, 27)


def test_a_deadline_skips_the_weekend():
    assert add_working_days(FRIDAY, 1) == datetime.date(2026, 11, 30)
    assert add_working_days(FRIDAY, 5) == datetime.date(2026, 12, 4)
    assert add_working_days(FRIDAY, 0) == FRIDAY
    # From a Saturday, Monday is the first working day.
    assert add_working_days(datetime.date(2026, 11, 28), 1) == datetime.date(2026, 11, 30)


def test_twenty_working_days_are_four_weeks():
    assert add_working_days(FRIDAY, 20) == datetime.date(2026, 12, 25)


def test_holidays_are_skipped_and_make_up_days_worked(settings):
    # National Day week of 2026, as the State Council's notice would set it.
    settings.HOLIDAYS = [datetime.date(2026, 10, day) for day in (1, 2, 5, 6, 7)]
    settings.MAKEUP_WORKDAYS = [datetime.date(2026, 9, 27), datetime.date(2026, 10, 10)]
    assert not is_working_day(datetime.date(2026, 10, 5))
    assert is_working_day(datetime.date(2026, 10, 10))  # a Saturday worked in exchange
    assert add_working_days(datetime.date(2026, 9, 26), 1) == datetime.date(2026, 9, 27)
    assert add_working_days(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)
    assert add_working_days(datetime.date(2026, 10, 9), 1) == datetime.date(2026, 10, 10)
