CREATE TABLE "access_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "certificate_authorities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"parent_ca_id" uuid,
	"common_name" text NOT NULL,
	"organization" text DEFAULT '' NOT NULL,
	"ou" text DEFAULT '' NOT NULL,
	"country" text DEFAULT '' NOT NULL,
	"province" text DEFAULT '' NOT NULL,
	"locality" text DEFAULT '' NOT NULL,
	"key_algorithm" text NOT NULL,
	"max_path_length" integer DEFAULT -1 NOT NULL,
	"not_before" timestamp with time zone,
	"not_after" timestamp with time zone,
	"serial_number" text,
	"certificate" text,
	"certificate_chain" text DEFAULT '' NOT NULL,
	"csr" text,
	"encrypted_private_key" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificate_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"ca_id" uuid NOT NULL,
	"defaults" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"policy" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificate_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"ca_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"kind" text NOT NULL,
	"params" jsonb NOT NULL,
	"csr" text,
	"error_message" text,
	"certificate_id" uuid,
	"token_id" uuid,
	"idempotency_key" text,
	"request_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid,
	"ca_id" uuid NOT NULL,
	"profile_id" uuid,
	"serial_number" text NOT NULL,
	"name" text NOT NULL,
	"common_name" text DEFAULT '' NOT NULL,
	"alt_names" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"key_algorithm" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"certificate" text NOT NULL,
	"certificate_chain" text NOT NULL,
	"encrypted_private_key" "bytea",
	"revoked_at" timestamp with time zone,
	"revocation_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "certificate_authorities" ADD CONSTRAINT "certificate_authorities_parent_ca_id_certificate_authorities_id_fk" FOREIGN KEY ("parent_ca_id") REFERENCES "public"."certificate_authorities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificate_profiles" ADD CONSTRAINT "certificate_profiles_ca_id_certificate_authorities_id_fk" FOREIGN KEY ("ca_id") REFERENCES "public"."certificate_authorities"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_profile_id_certificate_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."certificate_profiles"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_ca_id_certificate_authorities_id_fk" FOREIGN KEY ("ca_id") REFERENCES "public"."certificate_authorities"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_token_id_access_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."access_tokens"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_request_id_certificate_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."certificate_requests"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_ca_id_certificate_authorities_id_fk" FOREIGN KEY ("ca_id") REFERENCES "public"."certificate_authorities"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_profile_id_certificate_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."certificate_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "access_tokens_token_hash_key" ON "access_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "certificate_authorities_created_at_idx" ON "certificate_authorities" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "certificate_profiles_slug_key" ON "certificate_profiles" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "certificate_profiles_ca_id_idx" ON "certificate_profiles" USING btree ("ca_id");--> statement-breakpoint
CREATE UNIQUE INDEX "certificate_requests_idempotency_key" ON "certificate_requests" USING btree ("token_id","idempotency_key") WHERE "certificate_requests"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX "certificate_requests_status_created_at_idx" ON "certificate_requests" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_request_id_key" ON "certificates" USING btree ("request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_serial_number_key" ON "certificates" USING btree ("serial_number");--> statement-breakpoint
CREATE INDEX "certificates_ca_id_idx" ON "certificates" USING btree ("ca_id");--> statement-breakpoint
CREATE INDEX "certificates_created_at_idx" ON "certificates" USING btree ("created_at");