ALTER TABLE "access_tokens" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "access_tokens" ALTER COLUMN "created_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "access_tokens" ALTER COLUMN "expires_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_authorities" ALTER COLUMN "not_before" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_authorities" ALTER COLUMN "not_after" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_authorities" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_authorities" ALTER COLUMN "created_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "certificate_authorities" ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_authorities" ALTER COLUMN "updated_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "certificate_profiles" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_profiles" ALTER COLUMN "created_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "certificate_profiles" ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_profiles" ALTER COLUMN "updated_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "certificate_requests" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_requests" ALTER COLUMN "created_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "certificate_requests" ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_requests" ALTER COLUMN "updated_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "certificates" ALTER COLUMN "not_before" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificates" ALTER COLUMN "not_after" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificates" ALTER COLUMN "revoked_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificates" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificates" ALTER COLUMN "created_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "certificates" ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificates" ALTER COLUMN "updated_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "certificate_revocation_lists" ALTER COLUMN "this_update" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "certificate_revocation_lists" ALTER COLUMN "next_update" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "uploaded_certificates" ALTER COLUMN "not_before" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "uploaded_certificates" ALTER COLUMN "not_after" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "uploaded_certificates" ALTER COLUMN "created_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "uploaded_certificates" ALTER COLUMN "created_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "uploaded_certificates" ALTER COLUMN "updated_at" SET DATA TYPE timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "uploaded_certificates" ALTER COLUMN "updated_at" SET DEFAULT now();