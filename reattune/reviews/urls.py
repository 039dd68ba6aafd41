from django.urls import path

from reattune.reviews import views

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("new/", views.review_new, name="review_new"),
    path("<int:review_id>/", views.review_detail, name="review_detail"),
    path("<int:review_id>/edit/", views.review_edit, name="review_edit"),
    path("<int:review_id>/share/", views.review_share, name="review_share"),
    path("<int:review_id>/amend/", views.review_amend, name="review_amend"),
]
