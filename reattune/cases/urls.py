from django.urls import path

from reattune.cases.views import cases, clients, home

urlpatterns = [
    path("", home.home, name="home"),
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new/", clients.client_create_view, name="client_create"),
    path("clients/<int:client_id>/", clients.client_detail, name="client_detail"),
    path(
        "clients/<int:client_id>/cases/new/", cases.case_create_view, name="case_create_for_client"
    ),
    path("cases/new/", cases.case_create_view, name="case_create"),
    path("cases/<int:case_id>/", cases.case_detail, name="case_detail"),
    path("cases/<int:case_id>/sessions/new/", cases.session_create, name="session_create"),
    path("cases/<int:case_id>/close/", cases.case_close, name="case_close"),
    path(
        "sessions/<int:session_id>/attendance/",
        cases.session_attendance,
        name="session_attendance",
    ),
]
