"""The one per-address rate limiter (portal.ratelimit): counted in the caller's rows or in the cache."""

import datetime

import pytest
from django.utils import timezone

from meetings.models import Meeting, Question
from portal import ratelimit
from portal.ratelimit import AddressLimit, RateLimited, sender_key
from ratings.models import RatingScheme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

A, B = "192.0.2.1", "198.51.100.2"


@pytest.fixture
def meeting(county):
    return Meeting.objects.create(
        village=county.village,
        year=2024,
        held_at=timezone.now(),
        venue="Village activity center",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        agenda="Questions",
        scheme=RatingScheme.objects.create(name="Test scheme"),
    )


def leave_question(meeting, limit: AddressLimit, address: str) -> Question:
    """What the question service does: spend from the questions already left, store the key on the next."""
    key = limit.spend(address, rows=Question.objects, stamped="created_at", message="Too many questions.")
    return Question.objects.create(
        meeting=meeting, text="Where is the money?", source=Question.Source.ONLINE, sender_key=key
    )


def test_the_sender_key_hides_the_address_and_tells_addresses_apart():
    key = sender_key(A)
    assert len(key) == 64 and A not in key
    assert key == sender_key(A) != sender_key(B)
    assert sender_key("") == sender_key(None)  # no address is still one sender


def test_counted_in_rows_the_next_one_is_refused_with_the_message_and_a_whole_window(meeting):
    limit = AddressLimit("test", per_window=2, window=datetime.timedelta(minutes=30))
    leave_question(meeting, limit, A)
    leave_question(meeting, limit, A)
    with pytest.raises(RateLimited, match="Too many questions.") as refused:
        leave_question(meeting, limit, A)
    assert refused.value.retry_after == 30 * 60
    assert Question.objects.count() == 2
    assert leave_question(meeting, limit, B).sender_key == sender_key(B)


def test_counted_in_rows_the_allowance_comes_back_after_the_window(meeting):
    limit = AddressLimit("test", per_window=1, window=ratelimit.HOUR)
    leave_question(meeting, limit, A)
    with pytest.raises(RateLimited):
        leave_question(meeting, limit, A)
    Question.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=61))
    assert leave_question(meeting, limit, A).pk


def test_counted_in_the_cache_nothing_is_written_to_the_database(django_assert_num_queries):
    limit = AddressLimit("test", per_window=3, window=datetime.timedelta(minutes=10))
    with django_assert_num_queries(0):
        keys = {limit.spend(A) for _ in range(3)}
        with pytest.raises(RateLimited) as refused:
            limit.spend(A)
        assert limit.spend(B) == sender_key(B)
    assert keys == {sender_key(A)}
    assert refused.value.retry_after == 600
    assert str(refused.value) == ""  # the receipt page words the refusal itself


def test_allowances_of_different_purposes_are_counted_apart():
    first = AddressLimit("first", per_window=1, window=ratelimit.HOUR)
    second = AddressLimit("second", per_window=1, window=ratelimit.HOUR)
    first.spend(A)
    second.spend(A)
    with pytest.raises(RateLimited):
        first.spend(A)


def test_the_portals_limits_come_from_the_settings(settings):
    settings.QUESTIONS_PER_ADDRESS_PER_HOUR, settings.QUESTIONS_PER_BROWSER_PER_HOUR = 5, 2
    settings.OBJECTIONS_PER_ADDRESS_PER_HOUR, settings.OBJECTIONS_PER_BROWSER_PER_HOUR = 4, 1
    settings.RECEIPT_CHECKS_PER_WINDOW, settings.RECEIPT_CHECK_WINDOW_SECONDS = 2, 90
    assert ratelimit.questions() == AddressLimit("question", 5, ratelimit.HOUR, per_browser=2)
    assert ratelimit.objections() == AddressLimit("objection", 4, ratelimit.HOUR, per_browser=1)
    checks = ratelimit.receipt_checks()
    checks.spend(A)
    checks.spend(A)
    with pytest.raises(RateLimited) as refused:
        ratelimit.receipt_checks().spend(A)
    assert refused.value.retry_after == 90
