import pytest
from django.test import Client
from django.urls import reverse
from django.core import signing

from reattune.checks.models import CheckLink, Response, LINK_SALT
from reattune.checks.services import check_link_create
from reattune.cases.models import Client as CClient, Case, TherapySession
from reattune.clinics.models import User
from tests.checks.helpers import full_check

pytestmark = pytest.mark.django_db


def show(label, r):
    b = r.content.decode(errors="replace")
    print("\n###", label, r.status_code, r.get("Location"), b[:3000] if len(b) < 3000 else b[:300] + "..." + str(len(b)))


def test_probe(world, other_world, login):
    p = world.case.participants.get()
    link = check_link_create(session=world.session, participant=p, created_by=world.clinician)
    u = reverse("check_form", args=[link.token])
    c = Client()
    show("huge signed", c.get(reverse("check_form", args=[signing.Signer(salt=LINK_SALT, sep=".").sign(str(2**70))])))
    show("nul", c.post(u, full_check(alliance__change="a\x00b")))
    print(Response.objects.filter(measure_id="alliance").values_list("answers", flat=True))


def test_probe2(world, other_world, login):
    c = login(world.clinician)
    for url in [f"/clients/{2**70}/", f"/cases/{2**70}/", f"/alerts/{2**70}/", f"/checks/sessions/{2**70}/", "/clients/99999/"]:
        show(url, c.get(url))
    show("session post huge", c.post(f"/cases/{2**70}/sessions/new/", {}))
    #show("case create huge client", c.post("/cases/new/", {"kind": "individual", "clients": [str(2**70)]}))
    other_client = world.colleague_case.participants.get().client
    show("case create colleague client", c.post("/cases/new/", {"kind": "individual", "clients": [str(other_client.pk)]}))
    r = c.get("/cases/new/"); print([l for l in r.content.decode().splitlines() if "option" in l or "select" in l]); print(other_client.code, [x.client.code for x in world.case.participants.all()])


def test_probe3(world, client):
    show("login empty", client.post("/login/", {"username": "", "password": ""}))
    show("login upper", client.post("/login/", {"username": world.clinician.email.upper(), "password": "correct horse battery staple"}))
    show("login Capital", client.post("/login/", {"username": world.clinician.email.capitalize(), "password": "correct horse battery staple"}))
    show("login long", client.post("/login/", {"username": "a" * 10000, "password": "x"}))
    show("reset nul", client.post("/password-reset/", {"email": "a\x00@b.org"}))
    show("reset empty", client.post("/password-reset/", {"email": ""}))
    show("confirm", client.get("/password-reset/" + "MTE4MDU5MTYyMDcxNzQxMTMwMzQyNA" + "/set-password/"))
    show("confirm2", client.get("/password-reset/!!!/abc-def/"))
    show("404", client.get("/nothing/"))
    su = User.objects.create_superuser("root@example.org", "pw-long-enough-123", full_name="Root")
    client.force_login(su)
    show("su home", client.get("/"))
    show("su client create", client.post("/clients/new/", {"code": "X1"}))
