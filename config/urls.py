from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from config import views
from generation.sdapi_urls import controlnet_patterns, sdapi_patterns

# The admin signs in through the site's own sign-in page (allauth): its rate limits, its lockout of
# an address after failed attempts and its second factor apply to staff too (config/views.py).
admin.site.login = views.admin_login
admin.site.has_permission = views.admin_has_permission

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    # The AUTOMATIC1111-compatible API (README "Studio API"), at the addresses its clients expect.
    path("sdapi/v1/", include(sdapi_patterns)),
    path("controlnet/", include(controlnet_patterns)),
    path("", include("memorial.urls")),
    path("", include("generation.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.DEBUG:
    # In production the proxy (deploy/nginx) or the object store serves media.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
