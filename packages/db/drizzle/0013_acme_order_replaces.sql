ALTER TABLE "acme_orders" ADD COLUMN "replaces_certificate_id" uuid;--> statement-breakpoint
ALTER TABLE "acme_orders" ADD COLUMN "replaces" text;--> statement-breakpoint
ALTER TABLE "acme_orders" ADD CONSTRAINT "acme_orders_replaces_certificate_id_certificates_id_fk" FOREIGN KEY ("replaces_certificate_id") REFERENCES "public"."certificates"("id") ON DELETE set null ON UPDATE no action;