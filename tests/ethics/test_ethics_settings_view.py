"""/ethics/: a clinic admin chooses which codes of ethics and laws the clinic follows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from reattune.clinics.models import User
from reattune.ethics.forms import UNKNOWN_CODE
from reattune.ethics.models import ClinicEthics, chosen_ids
from reattune.ethics.registry import all_codes
from reattune.ethics.services import clinic_ethics_set
from reattune.ethics.views import ADMINS_ONLY, SAVED
from tests.ethics import GOOD, ethics_dir
from tests.factories import ClinicWorld

pytestmark = pytest.mark.django_db

URL = reverse("ethics_settings")
DISCLAIMER = (
    "Reattune guides and records; it is not legal advice.</strong> Check the current text of "
    "each code and law, and ask your professional body or a lawyer when in doubt."
)


def checked(html: str) -> list[str]:
    """The code ids whose checkbox the page shows ticked."""
    boxes = re.findall(r'<input type="checkbox" name="code_ids" value="([^"]+)"([^>]*)>', html)
    assert len(boxes) == len(all_codes())
    return sorted(value for value, rest in boxes if " checked" in rest)


def test_it_sends_an_anonymous_visitor_to_log_in_and_saves_nothing(
    client, world: ClinicWorld
) -> None:
    for response in (client.get(URL), client.post(URL, {"code_ids": ["bacp"]})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not ClinicEthics.objects.exists()


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee", "colleague"])
def test_it_refuses_anyone_but_a_clinic_admin(world: ClinicWorld, login, role: str) -> None:
    client = login(getattr(world, role))
    response = client.get(URL)
    assert response.status_code == 403
    assert ADMINS_ONLY in response.text
    assert client.post(URL, {"code_ids": ["bacp"]}).status_code == 403
    assert chosen_ids(world.clinic.pk) == []


def test_it_refuses_a_superuser_who_belongs_to_no_clinic(login) -> None:
    root = User.objects.create_superuser("root@example.org", "x" * 20, full_name="Root")
    client = login(root)  # second factor passed, so only the missing clinic is refused
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"code_ids": ["bacp"]}).status_code == 403
    assert not ClinicEthics.objects.exists()


def test_it_shows_every_code_grouped_with_its_obligations_and_the_disclaimer(
    world: ClinicWorld, login
) -> None:
    response = login(world.admin).get(URL)
    assert response.status_code == 200
    text = response.text
    assert DISCLAIMER in text
    codes_at = text.index(">Codes of ethics</h2>")
    laws_at = text.index(">Laws where you work</h2>")
    for code in all_codes().values():
        assert code.title in text
        assert f'href="{code.source}"' in text
        assert (codes_at < text.index(code.title) < laws_at) != code.is_law
    bacp = all_codes()["bacp"]
    assert "BACP Good Practice 52" in text
    assert bacp.obligations[0].what.replace("'", "&#x27;") in text
    assert "Reg 20(4)" in text
    assert "In writing" in text
    assert "within 14 days" in text
    assert "The clinic admin (or privacy officer)" in text


def test_every_checkbox_has_a_label_and_each_group_a_legend(world: ClinicWorld, login) -> None:
    text = login(world.admin).get(URL).text
    ids = re.findall(r'<input type="checkbox" name="code_ids"[^>]*id="([^"]+)"', text)
    assert len(ids) == len(all_codes())
    for box_id in ids:
        assert f'<label for="{box_id}">' in text
    assert text.count("<fieldset") == text.count("<legend>") == 2


def test_it_shows_the_clinics_current_choice(world: ClinicWorld, login) -> None:
    clinic_ethics_set(clinic=world.clinic, code_ids=["bacp", "uk_duty_of_candour"], by=None)
    assert checked(login(world.admin).get(URL).text) == ["bacp", "uk_duty_of_candour"]


def test_it_saves_the_choice_and_says_so(world: ClinicWorld, login) -> None:
    client = login(world.admin)
    response = client.post(URL, {"code_ids": ["hipaa_breach", "apa"]})
    assert response.status_code == 302
    assert response["Location"] == URL
    row = ClinicEthics.objects.get(clinic=world.clinic)
    assert row.code_ids == ["apa", "hipaa_breach"]
    assert row.updated_by == world.admin
    page = client.get(URL).text
    assert SAVED in page
    assert checked(page) == ["apa", "hipaa_breach"]


def test_unticking_everything_clears_the_choice(world: ClinicWorld, login) -> None:
    clinic_ethics_set(clinic=world.clinic, code_ids=["bacp"], by=None)
    response = login(world.admin).post(URL, {})
    assert response.status_code == 302
    assert chosen_ids(world.clinic.pk) == []


@pytest.mark.parametrize("bad", ["ukcp", "BACP", "", "bacp'><script>"])
def test_an_unknown_code_id_is_a_plain_error_and_saves_nothing(
    world: ClinicWorld, login, bad: str
) -> None:
    clinic_ethics_set(clinic=world.clinic, code_ids=["nasw"], by=None)
    response = login(world.admin).post(URL, {"code_ids": ["bacp", bad]})
    assert response.status_code == 200
    message = UNKNOWN_CODE % {"value": bad}
    assert response.context["form"].errors == {"code_ids": [message]}
    assert "Nothing was saved." in response.text
    assert "Reattune has no code of ethics or law with the id" in response.text
    assert "<script>" not in response.text.split("<main", 1)[1]
    assert chosen_ids(world.clinic.pk) == ["nasw"]


def test_it_changes_only_the_admins_own_clinic(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    clinic_ethics_set(clinic=world.clinic, code_ids=["bacp"], by=world.admin)
    client = login(other_world.admin)
    # The other clinic's admin never sees this clinic's choice...
    assert checked(client.get(URL).text) == []
    # ...and naming this clinic in the post changes nothing here.
    data = {"code_ids": ["aca"], "clinic": world.clinic.pk, "clinic_id": world.clinic.pk}
    assert client.post(URL, data).status_code == 302
    assert chosen_ids(world.clinic.pk) == ["bacp"]
    assert chosen_ids(other_world.clinic.pk) == ["aca"]


def test_it_warns_when_a_chosen_code_is_no_longer_loaded(
    world: ClinicWorld, login, tmp_path: Path
) -> None:
    (tmp_path / "ours.toml").write_text(GOOD, encoding="utf-8")
    with ethics_dir(tmp_path):
        clinic_ethics_set(clinic=world.clinic, code_ids=["invented", "bacp"], by=None)
        page = login(world.admin).get(URL).text
        assert "Invented Association Code of Ethics" in page
        assert "Added by this installation" in page
    page = login(world.admin).get(URL).text
    assert "Your clinic had also chosen invented, which this installation no longer loads" in page
    assert checked(page) == ["bacp"]


def test_other_methods_are_refused(world: ClinicWorld, login) -> None:
    assert login(world.admin).put(URL).status_code == 405
