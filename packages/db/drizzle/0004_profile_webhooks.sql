ALTER TABLE "certificate_profiles" ADD COLUMN "webhook_url" text;--> statement-breakpoint
ALTER TABLE "certificate_profiles" ADD COLUMN "webhook_secret" "bytea";