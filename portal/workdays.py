"""Working days: Monday to Friday, less the public holidays, plus the weekend days worked in exchange.

The calendar is the settings' HOLIDAYS and MAKEUP_WORKDAYS. A deadline of N working days "from" a day
counts from the next day: the first working day after it is day 1.
"""

import datetime

from django.conf import settings

SATURDAY = 5


def is_working_day(day: datetime.date) -> bool:
    if day in settings.MAKEUP_WORKDAYS:
        return True
    return day.weekday() < SATURDAY and day not in settings.HOLIDAYS


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The day on which `days` working days after `start` have passed (`start` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day
