GRANT USAGE ON SCHEMA public TO app_user, app_platform;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app_user, app_platform;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO app_user, app_platform;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_user, app_platform;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO app_user, app_platform;
--> statement-breakpoint
-- Plans are a platform catalog: clients read them, only platform administration writes them.
REVOKE INSERT, UPDATE, DELETE ON plans FROM app_user;
--> statement-breakpoint
-- Security events are append-only for the application, and a trigger refuses changes even from
-- roles that were granted more by mistake.
REVOKE UPDATE, DELETE, TRUNCATE ON security_events FROM app_user, app_platform;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION finops_refuse_security_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'security_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER security_events_append_only
  BEFORE UPDATE OR DELETE ON security_events
  FOR EACH ROW EXECUTE FUNCTION finops_refuse_security_event_change();
--> statement-breakpoint
CREATE TRIGGER security_events_no_truncate
  BEFORE TRUNCATE ON security_events
  FOR EACH STATEMENT EXECUTE FUNCTION finops_refuse_security_event_change();
--> statement-breakpoint
SELECT finops_secure_tenant_tables();
--> statement-breakpoint
-- A tenant transaction may record events about itself, and events with no client (a login
-- failure seen while a client was selected), but may read only its own.
ALTER TABLE security_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE security_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY platform_access ON security_events AS PERMISSIVE FOR ALL TO app_platform
  USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY tenant_read ON security_events AS PERMISSIVE FOR SELECT TO app_user
  USING (client_id = nullif(current_setting('app.client_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY tenant_append ON security_events AS PERMISSIVE FOR INSERT TO app_user
  WITH CHECK (
    client_id IS NULL OR client_id = nullif(current_setting('app.client_id', true), '')::uuid
  );
