CREATE TABLE "finding_events" (
	"client_id" uuid NOT NULL,
	"id" bigserial NOT NULL,
	"finding_id" uuid NOT NULL,
	"type" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"actor_user_id" uuid,
	"reason" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "finding_events_client_id_id_pk" PRIMARY KEY("client_id","id"),
	CONSTRAINT "finding_events_type_check" CHECK ("finding_events"."type" in ('opened', 'dismissed', 'resolved', 'reopened'))
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"client_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"rule_id" text NOT NULL,
	"resource_key" text NOT NULL,
	"resource_id" text NOT NULL,
	"provider" text NOT NULL,
	"billing_account_id" text NOT NULL,
	"sub_account_id" text,
	"service_name" text,
	"region_id" text,
	"currency" text NOT NULL,
	"category" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"monthly_cost" numeric(20, 2) NOT NULL,
	"monthly_savings" numeric(20, 2) NOT NULL,
	"confidence" text NOT NULL,
	"effort" text NOT NULL,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"facts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"reasoning" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"window_start" date NOT NULL,
	"window_end" date NOT NULL,
	"first_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"dismissed_by" uuid,
	"dismissed_reason" text,
	"dismissed_at" timestamp with time zone,
	"resolved_by" uuid,
	"resolved_at" timestamp with time zone,
	"resolved_how" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "findings_client_id_id_pk" PRIMARY KEY("client_id","id"),
	CONSTRAINT "findings_status_check" CHECK ("findings"."status" in ('open', 'dismissed', 'resolved')),
	CONSTRAINT "findings_resolved_how_check" CHECK ("findings"."resolved_how" in ('manual', 'auto')),
	CONSTRAINT "findings_provider_check" CHECK ("findings"."provider" in ('aws', 'azure', 'gcp', 'oci'))
);
--> statement-breakpoint
CREATE TABLE "rule_settings" (
	"client_id" uuid NOT NULL,
	"rule_id" text NOT NULL,
	"enabled" boolean,
	"thresholds" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rule_settings_client_id_rule_id_pk" PRIMARY KEY("client_id","rule_id")
);
--> statement-breakpoint
CREATE TABLE "savings_ledger" (
	"client_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"finding_id" uuid NOT NULL,
	"rule_id" text NOT NULL,
	"resource_key" text NOT NULL,
	"resource_id" text NOT NULL,
	"provider" text NOT NULL,
	"billing_account_id" text NOT NULL,
	"currency" text NOT NULL,
	"how" text NOT NULL,
	"resolved_on" date NOT NULL,
	"before_from" date NOT NULL,
	"before_to" date NOT NULL,
	"after_from" date NOT NULL,
	"after_to" date,
	"after_days" integer NOT NULL,
	"cost_30d_before" numeric(24, 10) NOT NULL,
	"cost_30d_after" numeric(24, 10) NOT NULL,
	"realized_monthly" numeric(20, 2),
	"estimated_monthly" numeric(20, 2) NOT NULL,
	"recorded_by" uuid,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "savings_ledger_client_id_id_pk" PRIMARY KEY("client_id","id"),
	CONSTRAINT "savings_ledger_how_check" CHECK ("savings_ledger"."how" in ('manual', 'auto'))
);
--> statement-breakpoint
ALTER TABLE "finding_events" ADD CONSTRAINT "finding_events_finding_fk" FOREIGN KEY ("client_id","finding_id") REFERENCES "public"."findings"("client_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rule_settings" ADD CONSTRAINT "rule_settings_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "savings_ledger" ADD CONSTRAINT "savings_ledger_finding_fk" FOREIGN KEY ("client_id","finding_id") REFERENCES "public"."findings"("client_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "finding_events_finding_idx" ON "finding_events" USING btree ("client_id","finding_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "findings_rule_resource_key" ON "findings" USING btree ("client_id","rule_id","resource_key");--> statement-breakpoint
CREATE INDEX "findings_status_savings_idx" ON "findings" USING btree ("client_id","status","monthly_savings");--> statement-breakpoint
CREATE INDEX "savings_ledger_recorded_idx" ON "savings_ledger" USING btree ("client_id","recorded_at");