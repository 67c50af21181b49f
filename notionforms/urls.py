from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from notionforms import security

admin.site.site_header = "notionforms"
admin.site.site_title = "notionforms"

urlpatterns = [
    # Only logging in and out: the app sends no mail, so a password reset could never arrive;
    # passwords are set in the admin (staff change their own there too).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", security.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("favicon.ico", security.favicon),
    path("", include("integration.urls")),
]
