import pytest


@pytest.fixture(autouse=True)
def one_graded_ballot_is_enough(settings):
    """These worlds cast a handful of ballots, few enough to count by hand, so that the rules other
    than the minimum of graded ballots (10 by default) can be read from their figures; the minimum's
    own tests (test_method.py) set it back."""
    settings.RESULTS_MIN_GRADED_BALLOTS = 1
