-- certificate_requests.replaces_certificate_id -> certificates.id. Written here, not in the
-- drizzle schema, because certificates.ts imports certificate-requests.ts (request_id) and a
-- reference back would make an import cycle. A renewed certificate that is deleted leaves its
-- successor's link empty, not dangling.
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_replaces_certificate_id_fk"
  FOREIGN KEY ("replaces_certificate_id") REFERENCES "certificates"("id") ON DELETE SET NULL;
