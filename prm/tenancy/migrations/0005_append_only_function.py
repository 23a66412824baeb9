"""``public.prm_append_only()``: the trigger function of the tables that keep a record and are
never changed (the MDF ledger). In public, created once before any tenant migrates: a
tenant's trigger calls it by its qualified name, so a schema cloned from the template
keeps working."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION public.prm_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused (post a reversing entry instead)',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0004_vendor_currency")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS public.prm_append_only()"),
    ]
