DROP INDEX "certificates_ca_id_idx";--> statement-breakpoint
DROP INDEX "certificates_ca_id_status_idx";--> statement-breakpoint
DROP INDEX "certificates_active_not_after_idx";--> statement-breakpoint
CREATE INDEX "certificates_ca_id_status_created_at_idx" ON "certificates" USING btree ("ca_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "certificates_common_name_lower_idx" ON "certificates" USING btree (lower("common_name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "certificates_not_after_idx" ON "certificates" USING btree ("not_after");--> statement-breakpoint
CREATE INDEX "certificates_revoked_idx" ON "certificates" USING btree ("ca_id","revoked_at","serial_number","revocation_reason") WHERE "certificates"."status" = 'revoked';--> statement-breakpoint
-- A CRL's DER is signed bytes (random serials): compressing 5 MB for TOAST gained little and took
-- a good part of storing it. (drizzle-kit does not model storage; hand-written.)
ALTER TABLE "certificate_revocation_lists" ALTER COLUMN "der" SET STORAGE EXTERNAL;
