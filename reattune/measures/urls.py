from django.urls import path

from reattune.measures import views

# "schedule/" comes before "<measure_id>/" so it is never read as a measure id.
urlpatterns = [
    path("", views.measure_list, name="measure_list"),
    path("schedule/", views.measure_schedule, name="measure_schedule"),
    path("<slug:measure_id>/", views.measure_detail, name="measure_detail"),
]
