"""What each page is, for the audit: which kind of data it shows, and what a GET and a POST to it
mean. Every URL name is either here or in NOT_CLIENT_DATA (tests/audit/test_routes.py walks
them all); a route missing from both is still audited, as category "system", so nothing added
later slips through unrecorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from reattune.audit.models import Action, Category


@dataclass(frozen=True)
class Route:
    category: str
    get: str = Action.READ
    post: str = Action.CHANGE

    def action_for(self, method: str) -> str:
        return self.get if method in ("GET", "HEAD", "OPTIONS") else self.post


def _reads(category: str, post: str = Action.CHANGE) -> Route:
    return Route(category, Action.READ, post)


def _creates(category: str) -> Route:
    return Route(category, Action.READ, Action.CREATE)


def _prints(category: str) -> Route:
    return Route(category, Action.PRINT, Action.PRINT)


C, R, P, S = Category.CLIENT, Category.RESPONSE, Category.REPAIR, Category.SUPERVISION
L, REPORT, PEOPLE, SYSTEM = Category.LEARNING, Category.REPORT, Category.PEOPLE, Category.SYSTEM

ROUTES: dict[str, Route] = {
    # Clients, cases and the session log.
    "home": _reads(C),
    # The search is posted to keep names out of addresses; it still only reads.
    "client_list": Route(C, Action.READ, Action.READ),
    "client_create": _creates(C),
    "client_detail": _reads(C),
    "case_create_for_client": _creates(C),
    "case_create": _creates(C),
    "case_detail": _reads(C),
    "session_create": _creates(C),
    "case_close": _reads(C),
    "session_attendance": _reads(C),
    # Client checks, their links and the alerts they raise.
    "check_form": _creates(R),
    "session_checks": _reads(R),
    "link_create": _creates(R),
    "link_email": _reads(R),
    "alert_detail": _reads(R),
    "alert_acknowledge": _reads(R),
    "alert_dismiss": _reads(R),
    # Repairs.
    "repair_list": _reads(P),
    "repair_new": _creates(P),
    "repair_detail": _reads(P),
    "repair_amend": _reads(P),
    "repair_plan": _reads(P),
    "repair_conversation": _reads(P),
    "disclosure_new": _creates(P),
    "disclosure_amend": _reads(P),
    "repair_close": _reads(P),
    "obligation_done": _reads(P),
    # Reports: the client's progress report, and case reviews built from a repair.
    "client_report": _reads(REPORT),
    "client_report_pdf": _prints(REPORT),
    "review_list": _reads(REPORT),
    "review_new": _creates(REPORT),
    "review_detail": _reads(REPORT),
    "review_edit": _reads(REPORT),
    "review_share": _reads(REPORT),
    "review_amend": _reads(REPORT),
    # Supervision.
    "supervision_queue": _reads(S),
    "supervision_request_new": _creates(S),
    "meeting_list": _reads(S),
    "meeting_new": _creates(S),
    "meeting_detail": _reads(S),
    "meeting_record": _reads(S),
    "meeting_record_pdf": _prints(S),
    "meeting_sign": _reads(S),
    "meeting_topic": _creates(S),
    "action_add": _creates(S),
    "meeting_item_save": _reads(S),
    "meeting_amend": _reads(S),
    "action_done": _reads(S),
    "hours": _creates(S),
    "hours_person": _creates(S),
    "hours_target": _reads(S),
    # Learning.
    "learning_home": _reads(L),
    "learning_summary": _reads(L),
    "learning_summary_pdf": _prints(L),
    "learning_person": _reads(L),
    "learning_person_summary": _reads(L),
    "learning_person_summary_pdf": _prints(L),
    "rating_new": _creates(L),
    "competency_list": _reads(L),
    "competency_new": _creates(L),
    "competency_edit": _reads(L),
    "reflection_new": _creates(L),
    "goal_new": _creates(L),
    "goal_detail": _reads(L),
    "goal_note": _creates(L),
    "goal_status": _reads(L),
    # The clinic's people and settings.
    "people": _reads(PEOPLE),
    "person_new": _creates(PEOPLE),
    "person_detail": _reads(PEOPLE),
    "person_reinvite": _reads(PEOPLE),
    "person_supervision": _creates(PEOPLE),
    "supervision_end": _reads(PEOPLE),
    "ethics_settings": _reads(SYSTEM),
    "measure_schedule": _reads(SYSTEM),
    # Break-glass: emergency access to a client outside one's caseload (the grant itself also
    # writes its own flagged row, reattune/breakglass/services.py).
    "breakglass_end": Route(C, Action.READ, Action.BREAK_GLASS),
    "breakglass_grants": _reads(C),
    "breakglass_revoke": Route(C, Action.READ, Action.BREAK_GLASS),
    # A clinic admin resetting someone's second factor.
    "second_factor_reset": _reads(PEOPLE),
    # The audit log itself.
    "audit_log": Route(Category.AUDIT, Action.READ, Action.READ),
    "audit_export": Route(Category.AUDIT, Action.EXPORT, Action.EXPORT),
    # Exports and erasure (reattune/exports): the clinic's answers as CSV or FHIR, one client's
    # data for an access request, and erasing one client's data (which also writes its own
    # delete row naming the client, reattune/exports/erasure.py).
    "export_home": Route(SYSTEM, Action.READ, Action.READ),
    "export_clinic_csv": Route(R, Action.EXPORT, Action.EXPORT),
    "export_clinic_fhir": Route(R, Action.EXPORT, Action.EXPORT),
    "export_client": _reads(C),
    "export_client_package": Route(C, Action.EXPORT, Action.EXPORT),
    "client_erase": Route(C, Action.READ, Action.DELETE),
    # The JSON API (reattune/api/): rows name the token, not a user. A path's GET and POST
    # share one URL name (a path resolves to its first operation's name).
    "api_clients": _creates(C),
    "api_client": _reads(C),
    "api_cases": _creates(C),
    "api_case": _reads(C),
    "api_case_signals": _reads(R),
    "api_sessions": _creates(C),
    "api_session": _reads(C),
    "api_responses": _creates(R),
    "api_response": _reads(R),
    "api_alerts": _reads(R),
    "api_alert": _reads(R),
    "api_alert_acknowledge": _reads(R),
    "api_repairs": _reads(P),
    "api_repair": _reads(P),
    "api_not_found": _reads(SYSTEM),
    "api_token_list": _creates(SYSTEM),
    "api_token_revoke": _reads(SYSTEM),
    # Background work (reattune/worker/): the failed tasks page shows no client data (the job's
    # name, times, attempts, the error's kind); retry and dismiss change only the queue. The
    # metrics page shows counts.
    "failed_task_list": _reads(SYSTEM),
    "failed_task_retry": _reads(SYSTEM),
    "failed_task_dismiss": _reads(SYSTEM),
    "metrics": _reads(SYSTEM),
    # FHIR (reattune/fhir/): the capability statement and the measures as Questionnaires show
    # no client data; a QuestionnaireResponse or Observation is one stored response.
    "fhir_metadata": _reads(SYSTEM),
    "fhir_questionnaires": _reads(SYSTEM),
    "fhir_questionnaire": _reads(SYSTEM),
    "fhir_questionnaire_responses": _creates(R),
    "fhir_questionnaire_response": _reads(R),
    "fhir_observation": _reads(R),
    # Importing historic scores (reattune/imports): clinic admins only. The go-ahead creates
    # clients, cases, sessions and answers; the import also writes its own row when it ends.
    "import_list": _creates(C),
    "import_detail": _reads(C),
    "import_confirm": _creates(C),
    "import_cancel": _reads(C),
    "import_progress": _reads(C),
}

# Pages that show no client, response, repair, supervision or report data, and why. No request
# row is written for them; signing in and out is audited through signals (signals.py).
NOT_CLIENT_DATA: dict[str, str] = {
    "login": "signing in; audited as a sign-in event",
    "logout": "signing out; audited as a sign-in event",
    "password_reset": "asks for an email address",
    "password_reset_done": "says an email may be on its way",
    "password_reset_confirm": "sets a new password",
    "password_reset_complete": "says the password changed",
    "health": "the server's health check",
    "second_factor_verify": "the sign-in code step; audited as a sign-in event",
    "second_factor_manage": "the person's own sign-in settings",
    "second_factor_enrol": "setting up an authenticator; audited as a second-factor event",
    "authenticator_replace": "replacing an authenticator; audited as a second-factor event",
    "recovery_codes_new": "new recovery codes; audited as a second-factor event",
    "recovery_codes_show": "shows the person's own new recovery codes once",
    "measure_list": "the measures' published definitions",
    "measure_detail": "one measure's published definition",
    "openapi-json": "the API's OpenAPI description (reattune/api/)",
    "api-root": "the API's root: says where its description is",
    "openapi-view": "the API's interactive documentation page (no client data)",
    "breakglass_request": (
        "asking for emergency access; the view writes its own flagged row for every grant and "
        "every refusal (reattune/breakglass/services.py), so a second row would only repeat it"
    ),
}

# Anonymous requests to these are audited (the client's check link); any other anonymous
# request is refused by the view before it shows anything, and is not recorded.
PUBLIC_AUDITED = frozenset({"check_form"})

UNLISTED = Route(Category.SYSTEM, Action.READ, Action.CHANGE)


def route_for(url_name: str | None) -> Route | None:
    """The route's audit meaning; None for a page that holds no client data."""
    if url_name in NOT_CLIENT_DATA:
        return None
    return ROUTES.get(url_name or "", UNLISTED)
