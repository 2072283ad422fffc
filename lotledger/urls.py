from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.root import ApiRootView
from core import views as core_views
from inventory_lots import api as inventory_lots_api
from lotledger import views as lotledger_views
from orders import api as orders_api
from purchasing import api as purchasing_api
from reports import pages as report_pages

# /api/v1/: each app's endpoints, from its <app>/api.py (``urlpatterns``; ``router`` for viewsets).
# Every fixed path goes before the routers: the lot router's detail route with a format suffix
# (lots/<pk>.<format>) would otherwise take lots/export.csv.
api_v1 = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("inventory_lots.api")),
    path("", include("lotledger.api")),
    path("", include("purchasing.api")),
    path("", include("orders.api")),
    path("", include("production.api")),
    path("", include("transfers.api")),
    path("", include("cogs.api")),
    path("", include("traceability.api")),
    path("", include("reports.api")),
    path("", include("movements.api")),
    path("", include("imports.api")),
    path("", include(inventory_lots_api.router.urls)),
    path("", include(purchasing_api.router.urls)),
    path("", include(orders_api.router.urls)),
]

urlpatterns = [
    path("", report_pages.home_page, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "goto/<int:content_type_id>/<int:object_id>/",
        core_views.goto,
        {"limit": lotledger_views.visible_records},
        name="goto",
    ),
    path("lots/export.csv", lotledger_views.lot_export_csv, name="lot_export_csv"),
    path("lots/export.xlsx", lotledger_views.lot_export_xlsx, name="lot_export_xlsx"),
    path("", include("inventory_lots.urls")),
    path("", include("transfers.urls")),
    path("purchasing/", include("purchasing.urls")),
    path("orders/", include("orders.urls")),
    path("production/", include("production.urls")),
    path("cogs/", include("cogs.urls")),
    path("trace/", include("traceability.urls")),
    path("reports/", include("reports.urls")),
    path("movements/", include("movements.urls")),
    path("master/", include("lotledger.master_pages")),
    path("imports/", include("imports.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/", include("api.urls")),  # the schema and its docs page
    path("admin/", admin.site.urls),
]

handler404 = "lotledger.views.page_not_found"
