from django.urls import path

from integration.sandbox.views import SandboxIndexView, SandboxObjectView

app_name = "sandbox"
urlpatterns = [
    path("", SandboxIndexView.as_view(), name="index"),
    path("<str:object_id>/", SandboxObjectView.as_view(), name="object"),
]
