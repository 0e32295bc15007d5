from django.urls import path

from .views import catalogue, figures, imports, manage

app_name = "formations"
urlpatterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("mes-formations/", catalogue.my_trainings, name="my_trainings"),
    path("formations/", manage.training_list, name="training_list"),
    path("formations/nouvelle/", manage.training_create, name="training_create"),
    path("formations/<int:pk>/", catalogue.training_detail, name="training_detail"),
    path("formations/<int:pk>/modifier/", manage.training_edit, name="training_edit"),
    path("formations/<int:pk>/sessions/nouvelle/", manage.session_create, name="session_create"),
    path("sessions/", manage.session_list, name="session_list"),
    path("sessions/<int:pk>/", catalogue.session_detail, name="session_detail"),
    path("sessions/<int:pk>/modifier/", manage.session_edit, name="session_edit"),
    path("sessions/<int:pk>/annuler/", manage.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/clore/", manage.session_close, name="session_close"),
    path("sessions/<int:pk>/inscription/", catalogue.register, name="register"),
    path("sessions/<int:pk>/inscrire/", catalogue.register_other, name="register_other"),
    path("sessions/<int:pk>/attestations/", manage.send_certificates, name="send_certificates"),
    path(
        "inscriptions/<int:pk>/annuler/", catalogue.registration_cancel, name="registration_cancel"
    ),
    path("inscriptions/<int:pk>/attestation.pdf", catalogue.certificate_pdf, name="certificate"),
    path("inscriptions/<int:pk>/questionnaire/", catalogue.survey, name="survey"),
    path("parties/<int:pk>/presences/", manage.attendance, name="attendance"),
    path(
        "parties/<int:pk>/presences/<int:registration_pk>/",
        manage.attendance_mark,
        name="attendance_mark",
    ),
    path("parties/<int:pk>/emargement.pdf", manage.attendance_sheet_pdf, name="attendance_sheet"),
    path("inscriptions/import/", imports.upload, name="import"),
    path("inscriptions/import/<int:batch_pk>/", imports.preview, name="import_preview"),
    path("inscriptions/import/modele.xlsx", imports.template, name="import_template"),
    path("themes/", manage.themes, name="themes"),
    path("themes/<int:pk>/", manage.theme_edit, name="theme_edit"),
    path("chiffres/", figures.figures, name="figures"),
    path("chiffres/export.xlsx", figures.figures_export, name="figures_export"),
    path("equipe/", figures.staff_trainings, name="staff_trainings"),
    path("equipe/nouvelle/", figures.staff_training_create, name="staff_training_create"),
    path("equipe/<int:pk>/", figures.staff_training_edit, name="staff_training_edit"),
]
