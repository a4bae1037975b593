"""manage.py issue_codes: pre-printed codes on the command line, one per line."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from meetings.models import Meeting
from portal.models import AuditEntry
from ratings.ballot import codes, services
from ratings.models import BallotCode, PollBookEntry, VoterGroup
from tests.worlds import Status, make_meeting, residents, set_status, stored_code


@pytest.fixture
def meeting(county):
    residents(county.village, 10)  # the roll bounds the batch
    return make_meeting(county.village)


def run(*args, purpose="sign_in") -> tuple[list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_codes", *args, "--purpose", purpose, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


def test_prints_n_new_codes_one_per_line(meeting):
    lines, note = run("--meeting", str(meeting.pk), "--count", "7")
    assert len(lines) == len(set(lines)) == 7
    for line in lines:
        assert len(line) == 11 and line[5] == "-"
        code = codes.normalize(line)
        assert codes.is_well_formed(code)
        row = stored_code(meeting, code)
        assert row.status == BallotCode.Status.ISSUED and row.holder_key == ""
        assert row.group.kind == VoterGroup.Kind.VILLAGER
    assert BallotCode.objects.count() == 7
    assert not PollBookEntry.objects.exists()
    assert "7 code(s) issued" in note
    entry = AuditEntry.objects.get(action="codes_issue_batch")
    assert entry.actor_id is None


def test_panel_codes(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(panel_seats=2)
    lines, _note = run("--meeting", str(meeting.pk), "--count", "2", purpose="panel")
    assert {stored_code(meeting, codes.normalize(line)).group.kind for line in lines} == {
        VoterGroup.Kind.TOWNSHIP_PANEL
    }


def test_works_while_voting_is_open(meeting):
    set_status(meeting, Status.VOTING_OPEN)
    lines, _note = run("--meeting", str(meeting.pk), "--count", "1")
    assert len(lines) == 1


def test_an_unknown_meeting_is_refused(meeting):
    with pytest.raises(CommandError, match="no meeting with the id 999999"):
        run("--meeting", "999999", "--count", "3")
    assert not BallotCode.objects.exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.VOTING_CLOSED, Status.FINAL, Status.ANNULLED])
def test_a_meeting_not_signing_in_is_refused(meeting, status):
    set_status(meeting, status)
    with pytest.raises(CommandError):
        run("--meeting", str(meeting.pk), "--count", "3")
    assert not BallotCode.objects.exists()


@pytest.mark.parametrize("count", ["0", "-3", str(services.MAX_BATCH + 1)])
def test_a_bad_count_is_refused(meeting, count):
    with pytest.raises(CommandError, match="--count must be between 1 and"):
        run("--meeting", str(meeting.pk), "--count", count)
    assert not BallotCode.objects.exists()


def test_the_exit_status_is_non_zero_with_a_clear_message(settings):
    """From a shell, a bad argument ends the process with a non-zero status and says which."""
    result = subprocess.run(
        [sys.executable, "manage.py", "issue_codes", "--meeting", "x", "--count", "3"],
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )
    assert result.returncode != 0
    assert "--meeting" in result.stderr and result.stdout == ""
