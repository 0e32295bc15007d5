from django.urls import path

from . import job_views, views

app_name = "core"
urlpatterns = [
    path("association/", views.association, name="association"),
    path("association/fichier/<str:field>/", views.association_file, name="association_file"),
    path("outbox/", views.outbox, name="outbox"),
    path("travaux/", job_views.job_list, name="jobs"),
    path("travaux/<int:pk>/", job_views.job_progress, name="job_progress"),
    path("travaux/<int:pk>/relancer/", job_views.job_retry, name="job_retry"),
    path("travaux/<int:pk>/fichier/", job_views.job_file, name="job_file"),
]
