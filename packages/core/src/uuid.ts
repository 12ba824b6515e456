const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Postgres rejects malformed UUIDs with an error; check first so lookups answer 404. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
