CREATE TABLE "admins" (
	"connection_id" uuid NOT NULL,
	"aad_object_id" text NOT NULL,
	"display_name" text,
	"added_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "admins_connection_id_aad_object_id_pk" PRIMARY KEY("connection_id","aad_object_id")
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"connection_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"first_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_at" timestamp with time zone DEFAULT now() NOT NULL,
	"healed_at" timestamp with time zone,
	"count" integer DEFAULT 1 NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cards" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_id" uuid,
	"tenant_id" text NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bot_conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text,
	"scope" text NOT NULL,
	"aad_object_id" text,
	"team_id" text,
	"reference" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"tenant_id" text NOT NULL,
	"azure_client_id" text NOT NULL,
	"azure_client_secret_enc" text,
	"azure_client_secret_updated_at" timestamp with time zone,
	"azure_client_secret_expires_at" timestamp with time zone,
	"cxone_base_url" text NOT NULL,
	"cxone_auth_url" text,
	"cxone_access_key_id" text NOT NULL,
	"cxone_access_key_secret_enc" text,
	"cxone_access_key_secret_updated_at" timestamp with time zone,
	"cxone_business_unit_id" text,
	"cxone_push_secret_enc" text,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cursors" (
	"connection_id" uuid NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cursors_connection_id_name_pk" PRIMARY KEY("connection_id","name")
);
--> statement-breakpoint
CREATE TABLE "cxone_agents" (
	"connection_id" uuid NOT NULL,
	"agent_id" text NOT NULL,
	"user_name" text,
	"first_name" text,
	"last_name" text,
	"email" text,
	"team_id" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cxone_agents_connection_id_agent_id_pk" PRIMARY KEY("connection_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "cxone_teams" (
	"connection_id" uuid NOT NULL,
	"team_id" text NOT NULL,
	"name" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cxone_teams_connection_id_team_id_pk" PRIMARY KEY("connection_id","team_id")
);
--> statement-breakpoint
CREATE TABLE "cxone_unavailable_codes" (
	"connection_id" uuid NOT NULL,
	"team_id" text NOT NULL,
	"out_state_id" integer NOT NULL,
	"name" text NOT NULL,
	"is_acw" boolean DEFAULT false NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	CONSTRAINT "cxone_unavailable_codes_connection_id_team_id_out_state_id_pk" PRIMARY KEY("connection_id","team_id","out_state_id")
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_id" uuid NOT NULL,
	"agent_id" text,
	"user_id" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"direction" text NOT NULL,
	"reason" text NOT NULL,
	"rule_id" uuid,
	"row_index" integer,
	"inputs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"delay_ms" integer
);
--> statement-breakpoint
CREATE TABLE "encryption_certs" (
	"id" text PRIMARY KEY NOT NULL,
	"connection_id" uuid NOT NULL,
	"cert_pem" text NOT NULL,
	"private_key_enc" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"connection_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"result" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mappings" (
	"connection_id" uuid NOT NULL,
	"agent_id" text NOT NULL,
	"user_id" text NOT NULL,
	"included" boolean DEFAULT true NOT NULL,
	"source" text NOT NULL,
	"confidence" real,
	"signal" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mappings_connection_id_agent_id_pk" PRIMARY KEY("connection_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "notification_inbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_id" uuid,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "rule_assignments" (
	"connection_id" uuid NOT NULL,
	"rule_id" uuid NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rule_assignments_connection_id_target_type_target_id_pk" PRIMARY KEY("connection_id","target_type","target_id")
);
--> statement-breakpoint
CREATE TABLE "rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"connection_id" uuid NOT NULL,
	"name" text NOT NULL,
	"rows" jsonb NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscription_owners" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"connection_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"user_principal_name" text NOT NULL,
	"kind" text NOT NULL,
	"refresh_token_enc" text,
	"password_enc" text,
	"token_status" text DEFAULT 'ok' NOT NULL,
	"last_error" text,
	"last_refresh_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"connection_id" uuid NOT NULL,
	"group_index" integer NOT NULL,
	"graph_subscription_id" text,
	"owner_id" uuid,
	"user_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"client_state_enc" text,
	"status" text DEFAULT 'planned' NOT NULL,
	"expires_at" timestamp with time zone,
	"last_renewed_at" timestamp with time zone,
	"last_notification_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_state" (
	"connection_id" uuid NOT NULL,
	"agent_id" text NOT NULL,
	"cxone_state" jsonb,
	"cxone_seen_at" timestamp with time zone,
	"teams_presence" jsonb,
	"teams_seen_at" timestamp with time zone,
	"teams_set" jsonb,
	"cxone_set" jsonb,
	"pending" jsonb,
	"last_reason" text,
	"last_sync_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_state_connection_id_agent_id_pk" PRIMARY KEY("connection_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "teams_users" (
	"connection_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"user_principal_name" text,
	"mail" text,
	"display_name" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "teams_users_connection_id_user_id_pk" PRIMARY KEY("connection_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "admins" ADD CONSTRAINT "admins_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cursors" ADD CONSTRAINT "cursors_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cxone_agents" ADD CONSTRAINT "cxone_agents_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cxone_teams" ADD CONSTRAINT "cxone_teams_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cxone_unavailable_codes" ADD CONSTRAINT "cxone_unavailable_codes_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "encryption_certs" ADD CONSTRAINT "encryption_certs_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mappings" ADD CONSTRAINT "mappings_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rule_assignments" ADD CONSTRAINT "rule_assignments_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rule_assignments" ADD CONSTRAINT "rule_assignments_rule_id_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rules" ADD CONSTRAINT "rules_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_owners" ADD CONSTRAINT "subscription_owners_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_owner_id_subscription_owners_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."subscription_owners"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_state" ADD CONSTRAINT "sync_state_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams_users" ADD CONSTRAINT "teams_users_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_conn_idx" ON "alerts" USING btree ("connection_id","status");--> statement-breakpoint
CREATE INDEX "audit_conn_idx" ON "audit_log" USING btree ("connection_id","at");--> statement-breakpoint
CREATE INDEX "bot_conversations_user_idx" ON "bot_conversations" USING btree ("aad_object_id");--> statement-breakpoint
CREATE INDEX "connections_tenant_idx" ON "connections" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "cxone_agents_email_idx" ON "cxone_agents" USING btree ("connection_id","email");--> statement-breakpoint
CREATE INDEX "cxone_agents_team_idx" ON "cxone_agents" USING btree ("connection_id","team_id");--> statement-breakpoint
CREATE INDEX "decisions_agent_idx" ON "decisions" USING btree ("connection_id","agent_id","at");--> statement-breakpoint
CREATE INDEX "decisions_reason_idx" ON "decisions" USING btree ("connection_id","reason","at");--> statement-breakpoint
CREATE INDEX "decisions_at_idx" ON "decisions" USING btree ("connection_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "mappings_user_uq" ON "mappings" USING btree ("connection_id","user_id");--> statement-breakpoint
CREATE INDEX "notification_inbox_pending_idx" ON "notification_inbox" USING btree ("processed_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "rules_name_uq" ON "rules" USING btree ("connection_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_owners_user_uq" ON "subscription_owners" USING btree ("connection_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_graph_id_uq" ON "subscriptions" USING btree ("graph_subscription_id");--> statement-breakpoint
CREATE INDEX "subscriptions_conn_idx" ON "subscriptions" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "teams_users_upn_idx" ON "teams_users" USING btree ("connection_id","user_principal_name");