DROP INDEX "certificates_common_name_lower_idx";--> statement-breakpoint
DROP INDEX "certificates_not_after_idx";--> statement-breakpoint
CREATE INDEX "certificates_common_name_lower_idx" ON "certificates" USING btree (lower("common_name") text_pattern_ops,"created_at","id","common_name");--> statement-breakpoint
CREATE INDEX "certificates_not_after_idx" ON "certificates" USING btree ("not_after","created_at","id");