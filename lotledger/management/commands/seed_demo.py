"""Load the demo data set once (offices, LICs, vendors, customers, lots and usage: lotledger/demo.py
seeds each app's ``demo.py`` in dependency order) and make the demo users."""

from __future__ import annotations

import datetime
import random
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from core import roles
from inventory_lots import services
from inventory_lots.models import Lot
from lotledger import demo

USERS = [
    ("viewer", roles.VIEWER),
    ("clerk", roles.CLERK),
    ("production", roles.PRODUCTION),
    ("accountant", roles.ACCOUNTANT),
]


class Command(BaseCommand):
    help = "Load the demo data set (once) and print the demo users' password."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Seed even if lots already exist.")

    def handle(self, *args, force: bool = False, **options):
        password = self._password()
        admin = self._users(password)
        if Lot.objects.exists() and not force:
            self.stdout.write("Demo data already loaded.")
        else:
            self._seed(admin)
        self.stdout.write(
            self.style.SUCCESS(
                f"Log in as 'admin' (administrator) with password: {password}\n"
                f"  the same password works for: {', '.join(name for name, _ in USERS)}"
            )
        )

    def _password(self) -> str:
        path = Path(settings.BASE_DIR) / ".data" / "demo_password"
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(12))
        return path.read_text().strip()

    def _users(self, password: str) -> User:
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User.objects.create_superuser("admin", "admin@example.com", password)
            admin.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
        for name, role in USERS:
            if not User.objects.filter(username=name).exists():
                user = User.objects.create_user(name, f"{name}@example.com", password)
                user.groups.add(Group.objects.get(name=role))
                # a new user sees no office until given some (docs/scope.md): the demo's see them all,
                # and costs as their role has them
                services.set_user_access(
                    user=user,
                    all_offices=True,
                    offices={},
                    can_see_costs=user.has_perm(roles.SEE_COSTS),
                    actor=admin,
                )
        return admin

    @transaction.atomic
    def _seed(self, admin: User) -> None:
        rng = random.Random(42)
        today = datetime.date.today()
        demo.seed(rng=rng, actor=admin, today=today)
        self.stdout.write(f"Demo data loaded: {Lot.objects.count()} lots.")
