from django.apps import AppConfig


class CogsConfig(AppConfig):
    name = "cogs"
