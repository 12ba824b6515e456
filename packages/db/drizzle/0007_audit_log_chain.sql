-- The audit log's hash chain (what drizzle cannot express). Each row's hash is SHA-256 over
-- the previous row's hash and its own fields, encoded by audit_log_field; core's
-- audit-hash.ts recomputes exactly this to verify the chain.
CREATE FUNCTION audit_log_field(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN value IS NULL THEN '-' ELSE octet_length(value)::text || ':' || value END || '|'
$$;
--> statement-breakpoint
CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
BEGIN
  -- Many processes append at once: this lock, held until commit, makes chain order commit
  -- order, and (READ COMMITTED) the query below then sees every row committed before it.
  PERFORM pg_advisory_xact_lock(1635083380);
  SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last_seq, 0) + 1;
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  NEW.created_at := date_trunc('milliseconds', clock_timestamp());
  NEW.hash := encode(sha256(convert_to(
    audit_log_field(NEW.prev_hash)
    || audit_log_field(NEW.seq::text)
    || audit_log_field(to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    || audit_log_field(NEW.token_id::text)
    || audit_log_field(NEW.token_name)
    || audit_log_field(NEW.action)
    || audit_log_field(NEW.target_type)
    || audit_log_field(NEW.target_id)
    || audit_log_field(NEW.request_id)
    || audit_log_field(NEW.source_address)
    || audit_log_field(NEW.outcome)
    || audit_log_field(NEW.details::text),
    'UTF8')), 'hex');
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
--> statement-breakpoint
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
