-- Application roles. Roles are cluster-wide, so creation must tolerate a role made by another
-- database on the same server (a second test database, a re-created one).
--   app_user      every request that touches one client's data; row-level security applies.
--   app_platform  identity and platform administration that spans clients; it reaches tenant
--                 rows only through an explicit policy granted to it, never through BYPASSRLS.
-- Neither role can log in; the connecting (owner) role switches to them per transaction.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_user') THEN
    CREATE ROLE app_user NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_platform') THEN
    CREATE ROLE app_platform NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  -- The migrating role must be able to SET ROLE to both. A superuser already can.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT app_user, app_platform TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
-- Every table with a client_id column gets ENABLE + FORCE row-level security and the two
-- policies below. Migrations that add tenant tables end by calling this again, so a new table
-- cannot be forgotten; a test also checks the catalog.
CREATE OR REPLACE FUNCTION finops_secure_tenant_tables() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.relname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'client_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      -- security_events carries its own policies (append-only, platform rows without client).
      AND c.relname <> 'security_events'
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.relname);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t.relname);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t.relname);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I AS PERMISSIVE FOR ALL TO app_user '
      'USING (client_id = nullif(current_setting(''app.client_id'', true), '''')::uuid) '
      'WITH CHECK (client_id = nullif(current_setting(''app.client_id'', true), '''')::uuid)',
      t.relname);
    EXECUTE format('DROP POLICY IF EXISTS platform_access ON %I', t.relname);
    EXECUTE format(
      'CREATE POLICY platform_access ON %I AS PERMISSIVE FOR ALL TO app_platform '
      'USING (true) WITH CHECK (true)', t.relname);
  END LOOP;
END
$$;
