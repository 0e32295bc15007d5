from django.urls import path

from .views import receipts, registers, requests, trousse

app_name = "finances"
urlpatterns = [
    path("recus/", requests.request_list, name="request_list"),
    path("recus/nouvelle/", requests.request_create, name="request_create"),
    path("recus/modele.xlsx", requests.import_template, name="import_template"),
    path("recus/<int:pk>/", requests.request_detail, name="request_detail"),
    path("recus/<int:pk>/modifier/", requests.request_edit, name="request_edit"),
    path("recus/<int:pk>/importer/", requests.request_import, name="request_import"),
    path("recus/<int:pk>/supprimer/", requests.request_delete, name="request_delete"),
    path("recus/<int:pk>/progression/", requests.request_progress, name="request_progress"),
    path("recus/<int:pk>/valider/", requests.request_validate, name="request_validate"),
    path("recus/<int:pk>/a-corriger/", requests.request_send_back, name="request_send_back"),
    path("recus/<int:pk>/rejeter/", requests.request_reject, name="request_reject"),
    path("recus/<int:pk>/relancer-pdf/", requests.request_rerender, name="request_rerender"),
    path("recus/<int:pk>/recus.zip", receipts.request_zip, name="request_zip"),
    path("recu/<int:pk>.pdf", receipts.receipt_pdf, name="receipt_pdf"),
    path("recu/<int:pk>/annuler/", receipts.receipt_cancel, name="receipt_cancel"),
    path("recu/<int:pk>/renvoyer/", receipts.receipt_email_retry, name="receipt_email_retry"),
    path("registres/", registers.registers, name="registers"),
    path("registres/export.xlsx", registers.registers_export, name="registers_export"),
    path("trousse/", trousse.trousse_upload, name="trousse_upload"),
    path("trousse/<int:pk>/", trousse.trousse_mapping, name="trousse_mapping"),
]

# Grants: AAP and solidarity applications, the commission's sessions, payments; Trousse à
# projets pay-backs, municipal subsidies, insurance claims; figures.
from .views import grants  # noqa: E402

urlpatterns += [
    path("aides/", grants.application_list, name="grant_application_list"),
    path("aides/nouvelle/", grants.application_create, name="grant_application_create"),
    path("aides/<int:pk>/", grants.application_detail, name="grant_application_detail"),
    path("aides/<int:pk>/modifier/", grants.application_edit, name="grant_application_edit"),
    path("aides/<int:pk>/deposer/", grants.application_submit, name="grant_application_submit"),
    path("aides/<int:pk>/pieces/", grants.document_add, name="grant_document_add"),
    path("aides/pieces/<int:pk>/", grants.document, name="grant_document"),
    path("aides/<int:pk>/lettre.pdf", grants.application_letter, name="grant_letter"),
    path("aides/<int:pk>/avis/", grants.application_opinion, name="grant_opinion"),
    path("aides/<int:pk>/decision/", grants.application_decide, name="grant_decide"),
    path("aides/<int:pk>/versement/", grants.application_pay, name="grant_pay"),
    path("aides/<int:pk>/bilan/", grants.application_report, name="grant_report"),
    path("aides/sessions/", grants.session_list, name="grant_session_list"),
    path("aides/sessions/nouvelle/", grants.session_create, name="grant_session_create"),
    path("aides/sessions/<int:pk>/", grants.session_detail, name="grant_session_detail"),
    path("aides/sessions/<int:pk>/modifier/", grants.session_edit, name="grant_session_edit"),
    path("aides/sessions/<int:pk>/avancer/", grants.session_advance, name="grant_session_advance"),
    path(
        "aides/sessions/<int:pk>/proces-verbal.pdf",
        grants.session_minutes_pdf,
        name="grant_minutes_pdf",
    ),
    path(
        "aides/sessions/<int:pk>/proces-verbal.xlsx",
        grants.session_minutes_xlsx,
        name="grant_minutes_xlsx",
    ),
    path("aides/trousse/", grants.payback_list, name="payback_list"),
    path("aides/trousse/nouveau/", grants.payback_create, name="payback_create"),
    path("aides/trousse/import/", grants.payback_import, name="payback_import"),
    path(
        "aides/trousse/import/<int:batch_pk>/",
        grants.payback_import_preview,
        name="payback_import_preview",
    ),
    path("aides/sinistres/", grants.claim_list, name="claim_list"),
    path("aides/sinistres/nouveau/", grants.claim_create, name="claim_create"),
    path("aides/sinistres/<int:pk>/modifier/", grants.claim_edit, name="claim_edit"),
    path("aides/subventions/", grants.subsidy_list, name="subsidy_list"),
    path("aides/subventions/nouvelle/", grants.subsidy_create, name="subsidy_create"),
    path("aides/chiffres/", grants.grant_figures, name="grant_figures"),
    path("aides/chiffres/export.xlsx", grants.grant_figures_export, name="grant_figures_export"),
]
