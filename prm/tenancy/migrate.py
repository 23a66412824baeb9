"""The ``migrate`` that ``migrate_schemas`` runs in each schema (settings'
``TENANT_BASE_MIGRATE_COMMAND``): a migration of an app the schema does not hold (a tenant
app in ``public``, a shared-only app in a tenant) is recorded and its state followed, but
not applied. Django's executor would apply it, running every operation against a copy of
the whole project state only for the router to refuse each one: in ``public`` that was
most of the time a fresh database took to migrate (about 40 of 47 s here), on every test
run, ``make run`` and new deployment. The database ends the same: the router
(django_tenants' ``TenantSyncRouter``) decides by app, so none of such a migration's
operations could run there."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db import router
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.state import ProjectState


class SchemaMigrationExecutor(MigrationExecutor):
    def apply_migration(
        self,
        state: ProjectState,
        migration: Migration,
        fake: bool = False,
        fake_initial: bool = False,
    ) -> ProjectState:
        if fake or router.allow_migrate(self.connection.alias, migration.app_label):
            return super().apply_migration(state, migration, fake=fake, fake_initial=fake_initial)
        # Its models exist for the migrations after it (in the state), not in this schema.
        # The rendered models are dropped first: changing them would re-render every
        # related model for each operation; the next migration that runs renders them once.
        state.__dict__.pop("apps", None)
        state = migration.mutate_state(state, preserve=False)
        return super().apply_migration(state, migration, fake=True)


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        # handle() builds the executor by the name its module imported.
        executor = getattr(migrate, "MigrationExecutor")  # noqa: B009  # not in its stubs
        setattr(migrate, "MigrationExecutor", SchemaMigrationExecutor)  # noqa: B010
        try:
            super().handle(*args, **options)
        finally:
            setattr(migrate, "MigrationExecutor", executor)  # noqa: B010
