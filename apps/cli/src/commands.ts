import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { CliError, type Client } from "./client";

type Options = Record<string, string | string[] | boolean | undefined>;

const str = (options: Options, name: string, required = true): string | undefined => {
  const value = options[name];
  if (typeof value === "string") return value;
  if (required) throw new CliError(`--${name} is required`);
  return undefined;
};

const SAN_TYPES: Record<string, string> = {
  dns: "dns_name",
  ip: "ip_address",
  email: "email",
  uri: "uri",
};

/** `--san dns:host` / `ip:1.2.3.4` / `email:a@b` / `uri:spiffe://...` */
function parseSans(values: string[]) {
  return values.map((san) => {
    const i = san.indexOf(":");
    const type = SAN_TYPES[san.slice(0, i)];
    if (i < 0 || !type)
      throw new CliError(
        `--san '${san}' must look like dns:NAME, ip:ADDRESS, email:ADDRESS or uri:URI`,
      );
    return { type, value: san.slice(i + 1) };
  });
}

interface RequestView {
  status: "pending" | "issued" | "failed";
  certificate: string | null;
  privateKey: string | null;
  serialNumber: string | null;
  errorMessage: string | null;
}

/** Submits, long-polls with a progress line on stderr, writes cert.pem, chain.pem, key.pem. */
export async function issue(client: Client, options: Options, log: (line: string) => void) {
  const body = {
    profileId: str(options, "profile"),
    commonName: str(options, "cn", false),
    altNames: parseSans((options.san as string[] | undefined) ?? []),
    keyAlgorithm: str(options, "key-algorithm", false),
    ttl: str(options, "ttl", false),
  };
  const out = str(options, "out", false) ?? ".";
  const submitted = await client.request<{ certificateRequestId: string }>(
    "POST",
    "/api/v1/cert-manager/certificates",
    body,
  );
  const id = submitted.certificateRequestId;
  log(`submitted ${id}; waiting for a worker`);
  let request: RequestView;
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    request = await client.request<RequestView>(
      "GET",
      `/api/v1/cert-manager/certificates/certificate-requests/${id}?wait=10`,
    );
    if (request.status !== "pending") break;
    if (Date.now() > deadline)
      throw new CliError(`request ${id} is still pending; check later with: certq status ${id}`);
    log("still pending...");
  }
  if (request.status === "failed")
    throw new CliError(`request ${id} failed: ${request.errorMessage}`);
  const bundle = await client.request<{ certificateChain: string }>(
    "GET",
    `/api/v1/pki/certificates/${request.serialNumber}/certificate`,
  );
  if (!request.privateKey)
    throw new CliError(
      "issued, but this token may not read private keys (scope certificates:read-private-key)",
    );
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, "cert.pem"), request.certificate ?? "");
  await writeFile(path.join(out, "chain.pem"), bundle.certificateChain);
  await writeFile(path.join(out, "key.pem"), request.privateKey, { mode: 0o600 });
  await chmod(path.join(out, "key.pem"), 0o600);
  log(`issued ${request.serialNumber}: ${path.join(out, "cert.pem")}, chain.pem, key.pem`);
  return { requestId: id, serialNumber: request.serialNumber };
}

export async function status(client: Client, id: string) {
  const request = await client.request<RequestView>(
    "GET",
    `/api/v1/cert-manager/certificates/certificate-requests/${id}`,
  );
  return {
    status: request.status,
    serialNumber: request.serialNumber,
    errorMessage: request.errorMessage,
  };
}

export async function createCa(client: Client, options: Options) {
  const res = await client.request<{ certificateAuthority: { id: string; status: string } }>(
    "POST",
    "/api/v1/pki/ca",
    {
      type: str(options, "type", false) ?? "root",
      commonName: str(options, "cn"),
      keyAlgorithm: str(options, "key-algorithm", false),
    },
  );
  return res.certificateAuthority;
}

export async function createProfile(client: Client, options: Options) {
  const names = (options.allow as string[] | undefined) ?? [];
  const res = await client.request<{ certificateProfile: { id: string; slug: string } }>(
    "POST",
    "/api/v1/cert-manager/certificate-profiles",
    {
      slug: str(options, "slug"),
      caId: str(options, "ca"),
      defaults: { ttl: str(options, "ttl", false) ?? "30d" },
      policy: { commonName: names, altNames: { dns_name: names } },
    },
  );
  return res.certificateProfile;
}

export async function createToken(client: Client, options: Options) {
  return client.request<{ token: { id: string }; value: string }>("POST", "/api/v1/tokens", {
    name: str(options, "name"),
    scopes: (options.scope as string[] | undefined) ?? [],
  });
}
