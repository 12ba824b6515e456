CREATE TABLE "acme_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"status" text DEFAULT 'valid' NOT NULL,
	"jwk" jsonb NOT NULL,
	"jwk_thumbprint" text NOT NULL,
	"contact" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"token_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "acme_authorizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"identifier" jsonb NOT NULL,
	"wildcard" boolean DEFAULT false NOT NULL,
	"expires" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "acme_challenges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"authorization_id" uuid NOT NULL,
	"type" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"token" text NOT NULL,
	"deadline" timestamp (3) with time zone,
	"validated" timestamp (3) with time zone,
	"error" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "acme_eab_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"sealed_hmac_key" "bytea" NOT NULL,
	"token_id" uuid,
	"account_id" uuid,
	"used_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "acme_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"profile_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"identifiers" jsonb NOT NULL,
	"not_before" timestamp (3) with time zone,
	"not_after" timestamp (3) with time zone,
	"expires" timestamp (3) with time zone NOT NULL,
	"error" jsonb,
	"certificate_request_id" uuid,
	"certificate_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "certificate_profiles" ADD COLUMN "enrollment" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "acme_accounts" ADD CONSTRAINT "acme_accounts_profile_id_certificate_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."certificate_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_accounts" ADD CONSTRAINT "acme_accounts_token_id_access_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."access_tokens"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_authorizations" ADD CONSTRAINT "acme_authorizations_order_id_acme_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."acme_orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_challenges" ADD CONSTRAINT "acme_challenges_authorization_id_acme_authorizations_id_fk" FOREIGN KEY ("authorization_id") REFERENCES "public"."acme_authorizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_eab_keys" ADD CONSTRAINT "acme_eab_keys_profile_id_certificate_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."certificate_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_eab_keys" ADD CONSTRAINT "acme_eab_keys_token_id_access_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."access_tokens"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_eab_keys" ADD CONSTRAINT "acme_eab_keys_account_id_acme_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."acme_accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_orders" ADD CONSTRAINT "acme_orders_account_id_acme_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."acme_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_orders" ADD CONSTRAINT "acme_orders_profile_id_certificate_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."certificate_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_orders" ADD CONSTRAINT "acme_orders_certificate_request_id_certificate_requests_id_fk" FOREIGN KEY ("certificate_request_id") REFERENCES "public"."certificate_requests"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_orders" ADD CONSTRAINT "acme_orders_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "acme_accounts_profile_thumbprint_key" ON "acme_accounts" USING btree ("profile_id","jwk_thumbprint");--> statement-breakpoint
CREATE INDEX "acme_accounts_token_id_idx" ON "acme_accounts" USING btree ("token_id");--> statement-breakpoint
CREATE INDEX "acme_authorizations_order_id_idx" ON "acme_authorizations" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "acme_challenges_authorization_id_idx" ON "acme_challenges" USING btree ("authorization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "acme_eab_keys_account_id_key" ON "acme_eab_keys" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "acme_orders_account_id_idx" ON "acme_orders" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "acme_orders_certificate_request_id_key" ON "acme_orders" USING btree ("certificate_request_id");--> statement-breakpoint
CREATE INDEX "acme_orders_certificate_id_idx" ON "acme_orders" USING btree ("certificate_id");