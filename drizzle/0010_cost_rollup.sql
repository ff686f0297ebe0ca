CREATE TABLE "cost_daily_rollup" (
	"client_id" uuid NOT NULL,
	"id" bigserial NOT NULL,
	"grain" text NOT NULL,
	"provider" text NOT NULL,
	"billing_account_id" text NOT NULL,
	"billing_account_name" text,
	"sub_account_id" text,
	"sub_account_name" text,
	"billing_period_start" date NOT NULL,
	"charge_date" date NOT NULL,
	"service_name" text,
	"service_category" text,
	"region_id" text,
	"line_item_type" text,
	"charge_category" text NOT NULL,
	"pricing_category" text,
	"commitment_id" text,
	"commitment_type" text,
	"commitment_status" text,
	"billing_currency" text NOT NULL,
	"tagged" boolean NOT NULL,
	"billed_cost" numeric(30, 10) NOT NULL,
	"net_billed_cost" numeric(30, 10) NOT NULL,
	"effective_cost" numeric(30, 10) NOT NULL,
	"net_effective_cost" numeric(30, 10) NOT NULL,
	"list_cost" numeric(30, 10) NOT NULL,
	"line_count" bigint NOT NULL,
	"fact_count" integer NOT NULL,
	CONSTRAINT "cost_daily_rollup_client_id_id_pk" PRIMARY KEY("client_id","id"),
	CONSTRAINT "cost_daily_rollup_grain_check" CHECK ("cost_daily_rollup"."grain" in ('day', 'month'))
);
--> statement-breakpoint
ALTER TABLE "clients" ADD COLUMN "cost_data_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "cost_daily_rollup_client_day_idx" ON "cost_daily_rollup" USING btree ("client_id","grain","charge_date");--> statement-breakpoint
CREATE INDEX "cost_daily_rollup_period_idx" ON "cost_daily_rollup" USING btree ("client_id","provider","billing_account_id","billing_period_start");--> statement-breakpoint
-- cost_daily_rollup is a tenant table: ENABLE + FORCE row-level security and the policies.
-- Done before the backfill, which relies on the platform policy of the new table.
SELECT finops_secure_tenant_tables();
--> statement-breakpoint
-- Backfill from the facts already stored, grouped exactly as refreshRollup()
-- (src/modules/costs/costs.rollup.ts) does. FORCE row-level security hides tenant rows from a
-- migrating owner that is not a superuser, so this runs as app_platform, whose policy sees all.
SET LOCAL ROLE app_platform;
--> statement-breakpoint
-- A large fact table takes longer than the connection's request-sized statement timeout.
SET LOCAL statement_timeout = 0;
--> statement-breakpoint
SET LOCAL work_mem = '64MB';
--> statement-breakpoint
INSERT INTO cost_daily_rollup (client_id, grain, provider, billing_account_id,
  billing_account_name, sub_account_id, sub_account_name, billing_period_start, service_name,
  service_category, region_id, line_item_type, charge_category, pricing_category, commitment_id,
  commitment_type, commitment_status, billing_currency, charge_date, tagged, billed_cost,
  net_billed_cost, effective_cost, net_effective_cost, list_cost, line_count, fact_count)
SELECT client_id, 'day', provider, billing_account_id, billing_account_name, sub_account_id,
  sub_account_name, billing_period_start, service_name, service_category, region_id,
  line_item_type, charge_category, pricing_category, commitment_id, commitment_type,
  commitment_status, billing_currency, charge_date, tags <> '{}'::jsonb, sum(billed_cost),
  sum(net_billed_cost), sum(effective_cost), sum(net_effective_cost), sum(list_cost),
  sum(line_count), count(*)::int
FROM cost_daily
GROUP BY client_id, provider, billing_account_id, billing_account_name, sub_account_id,
  sub_account_name, billing_period_start, service_name, service_category, region_id,
  line_item_type, charge_category, pricing_category, commitment_id, commitment_type,
  commitment_status, billing_currency, charge_date, tags <> '{}'::jsonb;
--> statement-breakpoint
INSERT INTO cost_daily_rollup (client_id, grain, provider, billing_account_id,
  billing_account_name, sub_account_id, sub_account_name, billing_period_start, service_name,
  service_category, region_id, line_item_type, charge_category, pricing_category, commitment_id,
  commitment_type, commitment_status, billing_currency, charge_date, tagged, billed_cost,
  net_billed_cost, effective_cost, net_effective_cost, list_cost, line_count, fact_count)
SELECT client_id, 'month', provider, billing_account_id, billing_account_name, sub_account_id,
  sub_account_name, billing_period_start, service_name, service_category, region_id,
  line_item_type, charge_category, pricing_category, commitment_id, commitment_type,
  commitment_status, billing_currency, date_trunc('month', charge_date)::date, tagged,
  sum(billed_cost), sum(net_billed_cost), sum(effective_cost), sum(net_effective_cost),
  sum(list_cost), sum(line_count), sum(fact_count)::int
FROM cost_daily_rollup
WHERE grain = 'day'
GROUP BY client_id, provider, billing_account_id, billing_account_name, sub_account_id,
  sub_account_name, billing_period_start, service_name, service_category, region_id,
  line_item_type, charge_category, pricing_category, commitment_id, commitment_type,
  commitment_status, billing_currency, date_trunc('month', charge_date), tagged;
--> statement-breakpoint
RESET ROLE;
--> statement-breakpoint
RESET statement_timeout;
--> statement-breakpoint
RESET work_mem;
