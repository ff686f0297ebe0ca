CREATE TABLE "client_branding" (
	"client_id" uuid NOT NULL,
	"logo" "bytea" NOT NULL,
	"logo_content_type" text NOT NULL,
	"logo_sha256" text NOT NULL,
	"logo_width" integer NOT NULL,
	"logo_height" integer NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "client_branding_client_id_pk" PRIMARY KEY("client_id"),
	CONSTRAINT "client_branding_content_type_check" CHECK ("client_branding"."logo_content_type" in ('image/png', 'image/jpeg')),
	CONSTRAINT "client_branding_logo_size_check" CHECK (octet_length("client_branding"."logo") <= 1048576)
);
--> statement-breakpoint
DROP INDEX "ingestions_sha_idx";--> statement-breakpoint
ALTER TABLE "client_branding" ADD CONSTRAINT "client_branding_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ingestions_live_sha_key" ON "ingestions" USING btree ("client_id","sha256") WHERE "ingestions"."status" in ('queued', 'running', 'succeeded');--> statement-breakpoint
-- client_branding is a tenant table: ENABLE + FORCE row-level security and the policies.
SELECT finops_secure_tenant_tables();
