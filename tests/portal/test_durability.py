"""Writes that say only what a screen shows do not wait for the disk; every other commit does."""

import pytest
from django.db import connection, transaction

from portal.durability import screen_state

pytestmark = pytest.mark.django_db(transaction=True)


def setting() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            return {0: "off", 1: "normal", 2: "full", 3: "extra"}[cursor.fetchone()[0]]
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def waited() -> str:
    return "full" if connection.vendor == "sqlite" else "on"


def test_a_screen_state_commit_does_not_wait_and_the_next_commits_do():
    assert setting() == waited()
    with screen_state():
        assert setting() == ("normal" if connection.vendor == "sqlite" else "off")
    assert setting() == waited()


def test_the_setting_comes_back_when_the_block_fails():
    with pytest.raises(RuntimeError), screen_state():
        raise RuntimeError
    assert setting() == waited()


def test_inside_a_waited_transaction_the_outer_rule_holds():
    with transaction.atomic(), screen_state():
        assert setting() == waited()
