from django.urls import include, path

from integration import views
from integration.imports import views as imports
from integration.webhooks.views import WebhookView

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("databases/", views.CreateDatabaseView.as_view(), name="submit-database"),
    path("pages/", views.CreatePageView.as_view(), name="submit-page"),
    path("pages/fields/", views.PageFieldsView.as_view(), name="page-fields"),
    path("content/", views.AddContentView.as_view(), name="submit-content"),
    path("comments/", views.AddCommentView.as_view(), name="submit-comment"),
    path("comments/on/", views.CommentTargetsView.as_view(), name="comment-targets"),
    path("comments/on/events/", views.CommentEventsView.as_view(), name="comment-events"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("jobs/", views.JobListView.as_view(), name="jobs"),
    path("imports/", imports.ImportUploadView.as_view(), name="import-upload"),
    path("imports/<str:token>/", imports.ImportPreviewView.as_view(), name="import-preview"),
    path("jobs/<int:pk>/", views.JobView.as_view(), name="job"),
    path("jobs/<int:pk>/status/", views.JobStatusView.as_view(), name="job-status"),
    path("jobs/<int:pk>/cancel/", views.CancelJobView.as_view(), name="job-cancel"),
    path("jobs/<int:pk>/resume/", views.ResumeJobView.as_view(), name="job-resume"),
    path("jobs/<int:pk>/undo/", views.UndoJobView.as_view(), name="job-undo"),
    path("connection/", views.ConnectionView.as_view(), name="connection"),
    path("healthz", views.HealthView.as_view(), name="healthz"),
    path("notion/webhooks/", WebhookView.as_view(), name="notion-webhooks"),
    path("sandbox/", include("integration.sandbox.urls")),
]
