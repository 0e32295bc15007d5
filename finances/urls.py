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
    path("aides/versements/<int:pk>/annuler/", grants.payment_cancel, name="grant_payment_cancel"),
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
    path("aides/sinistres/<int:pk>/", grants.claim_detail, name="claim_detail"),
    path("aides/sinistres/<int:pk>/pieces/", grants.claim_document_add, name="claim_document_add"),
    path("aides/sinistres/pieces/<int:pk>/", grants.claim_document, name="claim_document"),
    path("aides/subventions/", grants.subsidy_list, name="subsidy_list"),
    path("aides/subventions/nouvelle/", grants.subsidy_create, name="subsidy_create"),
    path("aides/chiffres/", grants.grant_figures, name="grant_figures"),
    path("aides/chiffres/export.xlsx", grants.grant_figures_export, name="grant_figures_export"),
]

# CRFS (annual financial reports) and the board's controls (issue 8).
from .views import controls as crfs_controls  # noqa: E402
from .views import crfs, crfs_import  # noqa: E402

urlpatterns += [
    path("crfs/", crfs.crfs_list, name="crfs_list"),
    path("crfs/campagne/", crfs.crfs_campaign, name="crfs_campaign"),
    path("crfs/campagne/relancer/", crfs.crfs_campaign_remind, name="crfs_campaign_remind"),
    path("crfs/chiffres/", crfs.crfs_figures, name="crfs_figures"),
    path("crfs/categories/", crfs.crfs_categories, name="crfs_categories"),
    path("crfs/import/", crfs_import.import_upload, name="crfs_import"),
    path("crfs/import/modele.xlsx", crfs_import.import_template, name="crfs_import_template"),
    path("crfs/import/<int:batch_pk>/", crfs_import.import_preview, name="crfs_import_preview"),
    path("crfs/chiffres.xlsx", crfs.crfs_figures_export, name="crfs_figures_export"),
    path("crfs/saisir/<int:coop_pk>/<str:year>/", crfs.crfs_edit, name="crfs_edit"),
    path("crfs/<int:pk>/", crfs.crfs_detail, name="crfs_detail"),
    path("crfs/<int:pk>/releve/", crfs.crfs_statement, name="crfs_statement"),
    path("crfs/<int:pk>/transmettre/", crfs.crfs_submit, name="crfs_submit"),
    path("crfs/<int:pk>/accepter/", crfs.crfs_accept, name="crfs_accept"),
    path("crfs/<int:pk>/a-corriger/", crfs.crfs_send_back, name="crfs_send_back"),
    path("controles/", crfs_controls.control_list, name="control_list"),
    path("controles/signalements/", crfs_controls.flags, name="crfs_flags"),
    path("controles/actions-en-retard/", crfs_controls.overdue_actions, name="control_overdue"),
    path(
        "controles/ouvrir/<int:coop_pk>/<str:year>/",
        crfs_controls.control_create,
        name="control_create",
    ),
    path("controles/<int:pk>/", crfs_controls.control_detail, name="control_detail"),
    path("controles/<int:pk>/modifier/", crfs_controls.control_edit, name="control_edit"),
    path("controles/<int:pk>/lettre/", crfs_controls.control_letter, name="control_letter"),
    path(
        "controles/<int:pk>/lettre.pdf", crfs_controls.control_letter_pdf, name="control_letter_pdf"
    ),
    path(
        "controles/<int:pk>/envoyer-lettre/",
        crfs_controls.control_send_letter,
        name="control_send_letter",
    ),
    path("controles/<int:pk>/actions/", crfs_controls.action_add, name="control_action_add"),
    path("controles/action/<int:pk>/faite/", crfs_controls.action_done, name="control_action_done"),
    path(
        "controles/action/<int:pk>/repondre/",
        crfs_controls.action_answer,
        name="control_action_answer",
    ),
    path("controles/action/<int:pk>/piece/", crfs_controls.action_file, name="control_action_file"),
]
