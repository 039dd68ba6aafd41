from django.urls import path

from reattune.repairs import views

urlpatterns = [
    path("", views.repair_list, name="repair_list"),
    path("new/", views.repair_new, name="repair_new"),
    path("<int:repair_id>/", views.repair_detail, name="repair_detail"),
    path("<int:repair_id>/amend/", views.repair_amend, name="repair_amend"),
    path("<int:repair_id>/plan/", views.repair_plan, name="repair_plan"),
    path("<int:repair_id>/conversation/", views.repair_conversation, name="repair_conversation"),
    path("<int:repair_id>/disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path("<int:repair_id>/close/", views.repair_close, name="repair_close"),
    path("disclosures/<int:disclosure_id>/amend/", views.disclosure_amend, name="disclosure_amend"),
    path("obligations/<int:obligation_id>/done/", views.obligation_done, name="obligation_done"),
]
