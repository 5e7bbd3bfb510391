"""URLs of Lambda's API. Lambda's operations live under several dated prefixes, so this module
is included at the site root (``path("", include("studyapp.sandbox.api.urls"))``)."""

from __future__ import annotations

from django.urls import re_path

from studyapp.sandbox.api import views

FUNCTION = r"(?P<name>[^/]+)"

urlpatterns = [
    re_path(r"^2015-03-31/functions/?$", views.functions_list, name="lambda_api_functions"),
    re_path(rf"^2015-03-31/functions/{FUNCTION}/?$", views.function_get),
    re_path(
        rf"^2015-03-31/functions/{FUNCTION}/configuration/?$", views.function_configuration_view
    ),
    re_path(rf"^2015-03-31/functions/{FUNCTION}/code/?$", views.function_code),
    re_path(rf"^2015-03-31/functions/{FUNCTION}/versions/?$", views.function_versions),
    re_path(rf"^2015-03-31/functions/{FUNCTION}/aliases/?$", views.function_aliases),
    re_path(
        rf"^2015-03-31/functions/{FUNCTION}/aliases/(?P<alias_name>[^/]+)/?$",
        views.function_alias,
    ),
    re_path(
        r"^lambda-code/(?P<token>[A-Za-z0-9_:.-]+)/?$",
        views.function_code_download,
        name="lambda_api_code",
    ),
    re_path(
        rf"^2015-03-31/functions/{FUNCTION}/invocations/?$",
        views.function_invoke,
        name="lambda_api_invoke",
    ),
    re_path(rf"^2017-10-31/functions/{FUNCTION}/concurrency/?$", views.function_concurrency),
    re_path(rf"^2019-09-30/functions/{FUNCTION}/concurrency/?$", views.function_concurrency),
    re_path(
        rf"^2019-09-30/functions/{FUNCTION}/provisioned-concurrency/?$",
        views.provisioned_concurrency,
    ),
    re_path(
        rf"^2019-09-25/functions/{FUNCTION}/event-invoke-config/?$", views.event_invoke_config_view
    ),
    re_path(
        rf"^2019-09-25/functions/{FUNCTION}/event-invoke-config/list/?$",
        views.event_invoke_configs_list,
    ),
    re_path(r"^2016-08-19/account-settings/?$", views.account_settings),
]
