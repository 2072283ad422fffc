"""Factories for master data (one per model). Ledger history is built through services."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from core import roles
from inventory_lots.models import LineItemCode, Office
from orders.models import Customer
from purchasing.models import Vendor


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"OF{n}")
    name = factory.LazyAttribute(lambda o: f"Office {o.code}")


class LicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineItemCode
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LIC-{n}")
    description = factory.LazyAttribute(lambda o: f"Item {o.code}")
    inventoried = True
    costing_method = "fifo"


class ServiceLicFactory(LicFactory):
    code = factory.Sequence(lambda n: f"SVC-{n}")
    inventoried = False


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"V{n}")
    name = factory.LazyAttribute(lambda o: f"Vendor {o.code}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n}")
    name = factory.LazyAttribute(lambda o: f"Customer {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-Secret-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            roles.ensure_role_groups()  # a transactional test before may have flushed them
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


def user_with_role(role: str, username: str | None = None) -> User:
    return UserFactory(username=username or role.lower().replace(" ", "_"), role=role)


__all__ = ["Decimal", "roles"]
