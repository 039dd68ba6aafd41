from django.urls import path

from reattune.supervision.views import hours, meetings, queue

urlpatterns = [
    path("", queue.supervision_queue, name="supervision_queue"),
    path(
        "bring/<str:target>/<int:target_id>/",
        queue.request_new,
        name="supervision_request_new",
    ),
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:meeting_id>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/record/", meetings.meeting_record, name="meeting_record"),
    path(
        "meetings/<int:meeting_id>/record.pdf",
        meetings.meeting_record_pdf,
        name="meeting_record_pdf",
    ),
    path("meetings/<int:meeting_id>/sign/", meetings.meeting_sign, name="meeting_sign"),
    path("meetings/<int:meeting_id>/topics/", meetings.meeting_topic, name="meeting_topic"),
    path("meetings/<int:meeting_id>/actions/", meetings.action_add, name="action_add"),
    path("agenda/<int:item_id>/notes/", meetings.meeting_item_save, name="meeting_item_save"),
    path("agenda/<int:item_id>/amend/", meetings.meeting_amend, name="meeting_amend"),
    path("actions/<int:action_id>/done/", meetings.action_done, name="action_done"),
    path("hours/", hours.hours, name="hours"),
    path("hours/<int:person_id>/", hours.hours, name="hours_person"),
    path("hours/<int:person_id>/target/", hours.hours_target, name="hours_target"),
]
