from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views
from lotledger import views as lotledger_views
from reports import pages as report_pages

urlpatterns = [
    path("", report_pages.home_page, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("goto/<int:content_type_id>/<int:object_id>/", core_views.goto, name="goto"),
    path("lots/export.csv", lotledger_views.lot_export_csv, name="lot_export_csv"),
    path("lots/export.xlsx", lotledger_views.lot_export_xlsx, name="lot_export_xlsx"),
    path("", include("inventory_lots.urls")),
    path("purchasing/", include("purchasing.urls")),
    path("orders/", include("orders.urls")),
    path("production/", include("production.urls")),
    path("cogs/", include("cogs.urls")),
    path("trace/", include("traceability.urls")),
    path("reports/", include("reports.urls")),
    path("master/", include("lotledger.master_pages")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "lotledger.views.page_not_found"
