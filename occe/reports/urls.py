from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("produire/", views.generate, name="generate"),
    path("<int:pk>/", views.status, name="status"),
    path("<int:pk>/<str:kind>/", views.download, name="download"),
    path("apercu/<str:annee>/<str:document>/", views.preview, name="preview"),
    path("textes/<str:annee>/<slug:section>/", views.edit_text, name="text_edit"),
]
