CREATE TABLE "certificate_revocation_lists" (
	"ca_id" uuid PRIMARY KEY NOT NULL,
	"crl_number" bigint NOT NULL,
	"der" "bytea" NOT NULL,
	"this_update" timestamp with time zone NOT NULL,
	"next_update" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "uploaded_certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"certificate" text NOT NULL,
	"fingerprint_sha256" text NOT NULL,
	"serial_number" text NOT NULL,
	"subject" text NOT NULL,
	"issuer" text NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "certificates_created_at_idx";--> statement-breakpoint
ALTER TABLE "certificates" ADD COLUMN "active" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "certificate_revocation_lists" ADD CONSTRAINT "certificate_revocation_lists_ca_id_certificate_authorities_id_fk" FOREIGN KEY ("ca_id") REFERENCES "public"."certificate_authorities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uploaded_certificates_fingerprint_key" ON "uploaded_certificates" USING btree ("fingerprint_sha256");--> statement-breakpoint
CREATE INDEX "uploaded_certificates_created_at_idx" ON "uploaded_certificates" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "certificate_requests_created_at_idx" ON "certificate_requests" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "certificates_ca_id_status_idx" ON "certificates" USING btree ("ca_id","status");--> statement-breakpoint
CREATE INDEX "certificates_created_at_idx" ON "certificates" USING btree ("created_at","id");