from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reattune.reviews"
