from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "notionforms"
admin.site.site_title = "notionforms"

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("integration.urls")),
]
