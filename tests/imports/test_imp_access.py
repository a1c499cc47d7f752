"""Who imports: supervisors and admins; a job is its uploader's alone (README "Imports")."""

import pytest
from django.urls import reverse
from imp_support import checked, csv_bytes, upload

from imports.kinds import KINDS
from imports.models import ImportJob
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PEOPLE = [["name"], ["Kem Sokha"]]


@pytest.fixture
def job(client_for, supervisor):
    return checked(client_for(supervisor), "persons", "people.csv", csv_bytes(PEOPLE))


def pages(job) -> dict[str, str]:
    return {
        "list": reverse("imports:import-list"),
        "template": reverse("imports:template", args=["persons", "csv"]),
        "job": reverse("imports:job", args=[job.pk]),
        "status": reverse("imports:job-status", args=[job.pk]),
    }


def test_anonymous_users_are_sent_to_log_in(client, job):
    for url in pages(job).values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for name in ("imports:job-confirm", "imports:job-cancel"):
        response = client.post(reverse(name, args=[job.pk]))
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["monitor", "exporter"])
def test_monitors_and_exporters_may_not_import(client_for, job, role):
    """Refused before any job is looked up: an existing number and a missing one answer alike."""
    client = client_for(make_user(role))
    for url in pages(job).values():
        assert client.get(url).status_code == 403, url
    for name in ("imports:job-confirm", "imports:job-cancel"):
        assert client.post(reverse(name, args=[job.pk])).status_code == 403
        assert client.post(reverse(name, args=[987654])).status_code == 403
    assert upload(client, "persons", "people.csv", csv_bytes(PEOPLE)).status_code == 403
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY and ImportJob.objects.count() == 1


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_another_importer_does_not_see_the_job(client_for, job, role):
    client = client_for(make_user(role))
    assert client.get(pages(job)["list"]).status_code == 200
    assert job.original_name not in client.get(pages(job)["list"]).content.decode()
    assert client.get(pages(job)["job"]).status_code == 404
    assert client.get(pages(job)["status"]).status_code == 404
    assert client.post(reverse("imports:job-confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY


def test_the_uploader_sees_the_job_and_confirms_it(client_for, supervisor, job):
    client = client_for(supervisor)
    for url in pages(job).values():
        assert client.get(url).status_code == 200, url
    assert client.post(pages(job)["job"]).status_code == 405
    assert client.get(reverse("imports:job-confirm", args=[job.pk])).status_code == 405
    response = client.post(reverse("imports:job-confirm", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == pages(job)["job"]


def test_the_kinds_follow_the_permissions(supervisor, admin_user, monitor, exporter):
    for user in (supervisor, admin_user):
        assert all(kind.may_import(user) for kind in KINDS.values())
    for user in (monitor, exporter):
        assert not any(kind.may_import(user) for kind in KINDS.values())


def test_the_menu_links_to_imports_for_importers_only(client_for, supervisor, monitor):
    link = f'href="{reverse("imports:import-list")}"'
    assert link in client_for(supervisor).get("/").content.decode()
    assert link not in client_for(monitor).get("/").content.decode()


def test_an_uploader_who_lost_the_permission_cannot_confirm(client_for, supervisor, job):
    from django.contrib.auth.models import Permission

    supervisor.groups.clear()
    supervisor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="cases",
            codename__in=["manage_all_cases", "add_case", "change_case"],
        )
    )  # still an importer of cases, no longer of people
    client = client_for(supervisor)
    assert client.post(reverse("imports:job-confirm", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY
