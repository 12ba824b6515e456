import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Fetch } from "@certq/core/testing";
import { expect } from "vitest";
import { createRootCa, TEST_POLICY } from "../fixtures";
import type { Harness } from "../harness";

export const run = promisify(execFile);

export interface AcmeProfileSetup {
  profileId: string;
  directoryUrl: string;
  rootPem: string;
  caId: string;
}

/** A root CA and a profile with ACME enabled (the test policy: *.example.test, localhost). */
export async function createAcmeProfile(
  h: Harness,
  acme: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<AcmeProfileSetup> {
  const ca = await createRootCa(
    h,
    "EC_prime256v1",
    `ACME Root ${Math.random().toString(36).slice(2, 8)}`,
  );
  const res = await h.request<{ certificateProfile: { id: string; acmeDirectoryUrl?: string } }>(
    "POST",
    "/api/v1/cert-manager/certificate-profiles",
    {
      body: {
        slug: `acme-${Math.random().toString(36).slice(2, 10)}`,
        caId: ca.id,
        defaults: { ttl: "30d", extendedKeyUsages: ["server_auth"] },
        policy: TEST_POLICY,
        enrollment: { acme },
        ...extra,
      },
    },
  );
  expect(res.status, res.text).toBe(200);
  const profile = res.body.certificateProfile;
  expect(profile.acmeDirectoryUrl).toBe(`${h.ctx.publicUrl}/acme/profiles/${profile.id}/directory`);
  return {
    profileId: profile.id,
    directoryUrl: profile.acmeDirectoryUrl as string,
    rootPem: ca.certificate,
    caId: ca.id,
  };
}

export async function createEabKey(h: Harness, profileId: string, token?: string) {
  const res = await h.request<{ eabKey: { id: string; hmacKey: string } }>(
    "POST",
    `/api/v1/cert-manager/certificate-profiles/${profileId}/acme/eab-keys`,
    { body: { name: "test client" }, token },
  );
  expect(res.status, res.text).toBe(201);
  return { kid: res.body.eabKey.id, hmacKey: res.body.eabKey.hmacKey };
}

/** The in-process app as a fetch: full URLs under the harness's publicUrl. */
export function appFetch(h: Harness): Fetch {
  return async (url, init) => h.app.request(url, init);
}

/** Polls with POST-as-GET until `done` holds (each poll one request; no timers as waits). */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  limit = 1_200,
): Promise<T> {
  let value = await read();
  for (let i = 0; i < limit && !done(value); i++) {
    // A client's polling interval, as Retry-After asks; the loop ends on the condition.
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}
