from django.urls import path

from integration.sandbox.views import SandboxObjectView

app_name = "sandbox"
urlpatterns = [
    path("<str:object_id>/", SandboxObjectView.as_view(), name="object"),
]
