from django.apps import AppConfig


class FhirConfig(AppConfig):
    """FHIR Questionnaires, QuestionnaireResponses and Observations: the measures and answers
    in the health-data standard."""

    name = "reattune.fhir"
