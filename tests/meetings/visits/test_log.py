"""The visit log: a cadre records a visit to a paired household; problems are followed to solved; a photo
only with the household's agreement, stripped of its EXIF and GPS."""

import datetime
import io
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from meetings.models import HouseholdProblem, Visit
from portal.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def visit_data(vw, **changes):
    data = {
        "client_key": str(uuid.uuid4()),
        "household": vw.household.pk,
        "date": timezone.localdate().isoformat(),
        "met": "The mother, Aynur",
        "situation": "Husband working in the county town; the roof leaks.",
        "problems_raised": "Roof leaks\nChild's school fees",
        "policies": [vw.policy.pk],
    }
    return {**data, **changes}


def jpeg_with_gps() -> bytes:
    """A real JPEG from a phone's camera, as far as its metadata goes: the camera and where it was."""
    image = Image.new("RGB", (64, 48), (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Cheap Phone 3"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 28.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (75.0, 59.0, 3.25)
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def test_a_visit_is_recorded_with_its_problems_and_policies(client, county, vw):
    client.force_login(county.cadre)
    response = client.post(reverse("meetings:visit-new"), visit_data(vw))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.cadre == vw.cadre and visit.household == vw.household
    assert list(visit.policies.all()) == [vw.policy]
    assert sorted(HouseholdProblem.objects.open().values_list("text", flat=True)) == [
        "Child's school fees",
        "Roof leaks",
    ]
    assert AuditEntry.objects.filter(action="visit_record", chain=county.village.code).exists()
    page = client.get(reverse("meetings:my-households")).content.decode()
    assert "Roof leaks" in page and "The mother, Aynur" in page


def test_a_household_the_cadre_is_not_paired_with_is_refused(client, county, vw):
    client.force_login(county.cadre)
    for household in (vw.unpaired, vw.neighbours):
        response = client.post(reverse("meetings:visit-new"), visit_data(vw, household=household.pk))
        assert response.status_code == 400
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert client.post(reverse("meetings:visit-new"), visit_data(vw, date=tomorrow)).status_code == 400
    before = (vw.pairing.start - datetime.timedelta(days=1)).isoformat()
    assert client.post(reverse("meetings:visit-new"), visit_data(vw, date=before)).status_code == 400
    assert not Visit.objects.exists()


def test_a_problem_is_carried_from_a_visit_to_solved(client, county, vw):
    client.force_login(county.cadre)
    first_day = timezone.localdate() - datetime.timedelta(days=40)
    client.post(reverse("meetings:visit-new"), visit_data(vw, date=first_day.isoformat()))
    roof = HouseholdProblem.objects.get(text="Roof leaks")
    fees = HouseholdProblem.objects.get(text="Child's school fees")
    assert roof.status == "open" and roof.raised_on == first_day
    # At the next visit the roof is mended; the fees stay open.
    response = client.post(
        reverse("meetings:visit-new"),
        visit_data(vw, problems_raised="", problems_solved=[roof.pk], solution="Township repair fund paid"),
    )
    assert response.status_code == 302
    roof.refresh_from_db()
    second = Visit.objects.latest("pk")
    assert (roof.status, roof.solved_on, roof.solved_at, roof.solution) == (
        "solved",
        timezone.localdate(),
        second,
        "Township repair fund paid",
    )
    # The fees are solved later, between visits, from My households.
    response = client.post(
        reverse("meetings:problem-solve", args=[fees.pk]),
        {"on": timezone.localdate().isoformat(), "note": "Education aid granted"},
    )
    assert response.status_code == 302
    fees.refresh_from_db()
    assert fees.status == "solved" and fees.solved_at is None and fees.solution == "Education aid granted"
    assert AuditEntry.objects.filter(action="visit_problem_solve").exists()
    # Solved once: a second time is refused and changes nothing.
    client.post(reverse("meetings:problem-solve", args=[fees.pk]), {"on": "2020-01-01", "note": "again"})
    fees.refresh_from_db()
    assert fees.solution == "Education aid granted"


def test_another_cadres_problem_is_a_404(client, county, vw):
    client.force_login(county.cadre)
    client.post(reverse("meetings:visit-new"), visit_data(vw))
    problem = HouseholdProblem.objects.first()
    client.force_login(county.township_admin)
    response = client.post(
        reverse("meetings:problem-solve", args=[problem.pk]), {"on": "2025-01-01", "note": "x"}
    )
    assert response.status_code == 404


def test_the_photo_is_kept_only_with_agreement_and_without_exif_or_gps(client, county, vw, visit_photos):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's premise
    client.force_login(county.cadre)
    refused = client.post(
        reverse("meetings:visit-new"),
        visit_data(vw, photo=SimpleUploadedFile("IMG_0001.jpg", original, "image/jpeg")),
    )
    assert refused.status_code == 400
    assert "agreed" in refused.content.decode()
    assert not Visit.objects.exists()

    response = client.post(
        reverse("meetings:visit-new"),
        visit_data(vw, photo=SimpleUploadedFile("IMG_0001.jpg", original, "image/jpeg"), photo_agreed="on"),
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.photo_agreed
    stored = visit.photo.read()
    # Not under MEDIA_ROOT, which may be served as it is.
    assert visit.photo.path.startswith(str(visit_photos)) and not visit.photo.path.startswith(
        str(settings.MEDIA_ROOT)
    )
    assert b"Exif" not in stored and b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    # The cadre and the township see it; a moderator of the village does not.
    assert client.get(reverse("meetings:visit-photo", args=[visit.pk]))["Content-Type"] == "image/jpeg"
    client.force_login(county.township_admin)
    assert client.get(reverse("meetings:visit-photo", args=[visit.pk])).status_code == 200
    client.force_login(county.moderator)
    assert client.get(reverse("meetings:visit-photo", args=[visit.pk])).status_code == 404


def test_no_photo_is_fine_and_a_broken_one_is_a_400(client, county, vw, visit_photos):
    client.force_login(county.cadre)
    broken = SimpleUploadedFile("x.jpg", b"not an image at all", "image/jpeg")
    response = client.post(reverse("meetings:visit-new"), visit_data(vw, photo=broken, photo_agreed="on"))
    assert response.status_code == 400
    assert client.post(reverse("meetings:visit-new"), visit_data(vw)).status_code == 302
    assert Visit.objects.get().photo == ""


def test_the_visit_form_page_works_on_a_phone(client, county, vw):
    client.force_login(county.cadre)
    page = client.get(reverse("meetings:visit-new") + f"?household={vw.household.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="client_key"' in html and "Minimum living allowance" in html
    assert "latitude" not in html.lower() and "geolocation" not in html.lower()


def test_a_visit_sent_twice_is_saved_once_and_answered_the_same(client, county, vw):
    """The phone's script sends a kept visit again when an answer was lost: one visit, one set of
    problems, and the second send answered like the first (200 instead of 201, the same visit)."""
    client.force_login(county.cadre)
    data = visit_data(vw)
    first = client.post(reverse("meetings:visit-new"), data, headers={"accept": "application/json"})
    again = client.post(reverse("meetings:visit-new"), data, headers={"accept": "application/json"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["visit"] == again.json()["visit"] == Visit.objects.get().pk
    assert (first.json()["created"], again.json()["created"]) == (True, False)
    assert HouseholdProblem.objects.count() == 2
    assert AuditEntry.objects.filter(action="visit_record").count() == 1
    # Without script, the same: the plain form's page carries a key too.
    plain = client.post(reverse("meetings:visit-new"), data, follow=True)
    assert "This visit was already saved." in plain.content.decode()
    assert Visit.objects.count() == 1
    # Refused input answers its errors as JSON, for the script to show.
    bad = client.post(
        reverse("meetings:visit-new"), visit_data(vw, met=""), headers={"accept": "application/json"}
    )
    assert bad.status_code == 400 and "met" in bad.json()["errors"]


def test_the_service_worker_is_served_from_the_visit_logs_path(client, county):
    response = client.get(reverse("meetings:visit-worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b'addEventListener("fetch"' in response.content
