from django.urls import path

from integration.sandbox.files import sandbox_file
from integration.sandbox.views import SandboxIndexView, SandboxObjectView

app_name = "sandbox"
urlpatterns = [
    path("", SandboxIndexView.as_view(), name="index"),
    path("files/<uuid:upload_id>/<str:filename>", sandbox_file, name="file"),
    path("<str:object_id>/", SandboxObjectView.as_view(), name="object"),
]
