from django.urls import path

from .views import flyers, groups, meetings, newsletters, partners, people

app_name = "association"
urlpatterns = [
    path("personnes/", people.people, name="people"),
    path("personnes/nouvelle/", people.person_edit, name="person_create"),
    path("personnes/<int:pk>/", people.person_edit, name="person_edit"),
    path("reunions/", meetings.meeting_list, name="meeting_list"),
    path("reunions/nouvelle/", meetings.meeting_edit, name="meeting_create"),
    path("reunions/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("reunions/<int:pk>/modifier/", meetings.meeting_edit, name="meeting_edit"),
    path("reunions/<int:pk>/convoquer/", meetings.meeting_convoke, name="meeting_convoke"),
    path(
        "reunions/<int:pk>/documents/",
        meetings.meeting_document_upload,
        name="meeting_document_upload",
    ),
    path("reunions/documents/<int:pk>/", meetings.meeting_document, name="meeting_document"),
    path("chantiers/", groups.group_list, name="group_list"),
    path("chantiers/nouveau/", groups.group_edit, name="group_create"),
    path("chantiers/<int:pk>/", groups.group_edit, name="group_edit"),
    path("flyers/", flyers.flyer_list, name="flyer_list"),
    path("flyers/nouveau/", flyers.flyer_edit, name="flyer_create"),
    path("flyers/<int:pk>/", flyers.flyer_edit, name="flyer_edit"),
    path("partenaires/", partners.partner_list, name="partner_list"),
    path("partenaires/nouveau/", partners.partner_edit, name="partner_create"),
    path("partenaires/<int:pk>/", partners.partner_detail, name="partner_detail"),
    path("partenaires/<int:pk>/modifier/", partners.partner_edit, name="partner_edit"),
    path("lettres/", newsletters.newsletter_list, name="newsletter_list"),
    path("lettres/nouvelle/", newsletters.newsletter_edit, name="newsletter_create"),
    path("lettres/<int:pk>/", newsletters.newsletter_detail, name="newsletter_detail"),
    path("lettres/<int:pk>/modifier/", newsletters.newsletter_edit, name="newsletter_edit"),
    path("lettres/<int:pk>/test/", newsletters.newsletter_test, name="newsletter_test"),
    path("lettres/<int:pk>/envoyer/", newsletters.newsletter_send, name="newsletter_send"),
    path(
        "lettres/<int:pk>/progression/",
        newsletters.newsletter_progress,
        name="newsletter_progress",
    ),
    path("lettres/<int:pk>/relancer/", newsletters.newsletter_retry, name="newsletter_retry"),
    path(
        "lettres/<int:pk>/destinataires/",
        newsletters.newsletter_recipients,
        name="newsletter_recipients",
    ),
    path("lettres/images/<str:token>/", newsletters.newsletter_image, name="newsletter_image"),
]
