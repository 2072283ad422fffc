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

    @factory.post_generation
    def all_offices(self, create, extracted, **kwargs):
        """Users see every office unless a test says otherwise (``all_offices=False``), as the
        migration made every user that existed then."""
        if extracted is False:
            return
        from django.contrib.auth.models import Permission

        self.user_permissions.add(
            Permission.objects.get(codename="all_offices", content_type__app_label="inventory_lots")
        )

    @factory.post_generation
    def offices(self, create, extracted, **kwargs):
        """``offices={office: can_post, ...}``: the user's office access (with ``all_offices=False``)."""
        from inventory_lots.models import OfficeAccess

        for office, can_post in (extracted or {}).items():
            OfficeAccess.objects.create(user=self, office=office, can_post=can_post)

    @factory.post_generation
    def see_costs(self, create, extracted, **kwargs):
        """``see_costs=True`` grants "see costs" to a user whose role lacks it."""
        if extracted:
            from django.contrib.auth.models import Permission

            self.user_permissions.add(
                Permission.objects.get(codename="see_costs", content_type__app_label="inventory_lots")
            )


def user_with_role(role: str, username: str | None = None, **access) -> User:
    """A user of ``role``; ``access``: ``all_offices=False, offices={office: can_post}, see_costs=True``."""
    return UserFactory(username=username or role.lower().replace(" ", "_"), role=role, **access)


__all__ = ["Decimal", "roles"]
