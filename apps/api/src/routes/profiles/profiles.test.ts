import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProfile, createRootCa, submit, TEST_POLICY } from "../../../test/fixtures";
import { createHarness, type Harness } from "../../../test/harness";

let h: Harness;
let caId: string;
const BASE = "/api/v1/cert-manager/certificate-profiles";

interface ProfileBody {
  certificateProfile: {
    id: string;
    slug: string;
    description: string;
    policy: Record<string, unknown>;
    defaults: Record<string, unknown>;
  };
}

beforeAll(async () => {
  h = await createHarness();
  caId = (await createRootCa(h, "EC_prime256v1")).id;
});
afterAll(() => h.close());

describe("certificate profiles", () => {
  it("create, list, get, patch, delete", async () => {
    const created = await h.request<ProfileBody>("POST", BASE, {
      body: {
        slug: "web",
        description: "web servers",
        caId,
        defaults: { ttl: "30d" },
        policy: TEST_POLICY,
      },
    });
    expect(created.status, created.text).toBe(200);
    const profile = created.body.certificateProfile;
    expect(profile).toMatchObject({
      slug: "web",
      description: "web servers",
      defaults: { ttl: "30d" },
    });
    expect(profile.policy).toMatchObject({ commonName: TEST_POLICY.commonName });

    const list = await h.request<{ certificateProfiles: { id: string }[] }>("GET", BASE);
    expect(list.body.certificateProfiles.map((p) => p.id)).toContain(profile.id);
    const got = await h.request<ProfileBody>("GET", `${BASE}/${profile.id}`);
    expect(got.body.certificateProfile).toEqual(profile);

    const patched = await h.request<ProfileBody>("PATCH", `${BASE}/${profile.id}`, {
      body: { description: "changed" },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.certificateProfile.description).toBe("changed");
    expect(patched.body.certificateProfile.slug).toBe("web");

    const deleted = await h.request("DELETE", `${BASE}/${profile.id}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect((await h.request("GET", `${BASE}/${profile.id}`)).status).toBe(404);
  });

  it("refuses a taken slug (409), a bad pattern (422 naming its path) and an unknown CA (404)", async () => {
    await createProfile(h, caId, { slug: "taken" });
    const dup = await h.request("POST", BASE, { body: { slug: "taken", caId, policy: {} } });
    expect(dup.status, dup.text).toBe(409);
    const badCidr = await h.request<{ message: { field: string }[] }>("POST", BASE, {
      body: { slug: "bad", caId, policy: { altNames: { ip_address: ["10.0.0.0/33"] } } },
    });
    expect(badCidr.status, badCidr.text).toBe(422);
    expect(badCidr.body.message.map((m) => m.field)).toContain("policy.altNames.ip_address.0");
    const badSlug = await h.request("POST", BASE, { body: { slug: "Bad Slug", caId, policy: {} } });
    expect(badSlug.status).toBe(422);
    const noCa = await h.request("POST", BASE, {
      body: { slug: "orphan", caId: "3c90c3cc-0d44-4b50-8888-8dd25736052a", policy: {} },
    });
    expect(noCa.status, noCa.text).toBe(404);
  });

  it("a profile with requests cannot be deleted (409) and stays", async () => {
    const id = await createProfile(h, caId);
    await submit(h, { profileId: id, commonName: "kept.example.test" });
    const res = await h.request("DELETE", `${BASE}/${id}`);
    expect(res.status, res.text).toBe(409);
    expect((await h.request("GET", `${BASE}/${id}`)).status).toBe(200);
  });

  it("deny by default: a profile without name rules refuses every name", async () => {
    const id = await createProfile(h, caId, { policy: {} });
    const res = await h.request<{ message: string }>("POST", "/api/v1/cert-manager/certificates", {
      body: { profileId: id, commonName: "any.example.test" },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("any.example.test");
  });
});
