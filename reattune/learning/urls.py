from django.urls import path

from reattune.learning import views

urlpatterns = [
    path("", views.learning_home, name="learning_home"),
    path("summary/", views.learning_summary, name="learning_summary"),
    path("summary.pdf", views.learning_summary_pdf, name="learning_summary_pdf"),
    path("people/<int:person_id>/", views.learning_person, name="learning_person"),
    path(
        "people/<int:person_id>/summary/",
        views.learning_person_summary,
        name="learning_person_summary",
    ),
    path(
        "people/<int:person_id>/summary.pdf",
        views.learning_person_summary_pdf,
        name="learning_person_summary_pdf",
    ),
    path("people/<int:person_id>/ratings/new/", views.rating_new, name="rating_new"),
    path("competencies/", views.competency_list, name="competency_list"),
    path("competencies/new/", views.competency_new, name="competency_new"),
    path("competencies/<int:competency_id>/", views.competency_edit, name="competency_edit"),
    path("reflections/new/", views.reflection_new, name="reflection_new"),
    path("goals/new/", views.goal_new, name="goal_new"),
    path("goals/<int:goal_id>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:goal_id>/notes/", views.goal_note, name="goal_note"),
    path("goals/<int:goal_id>/status/", views.goal_status, name="goal_status"),
]
