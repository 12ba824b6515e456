import type { KeyAlgorithm } from "@certq/pki";
import type { HttpClient } from "./http";
import type { Send } from "./load";

export const SUBMIT_PATH = "/api/v1/cert-manager/certificates";

/** A sender that submits request i (a distinct name) and expects 202 with a request ID. */
export function certqSubmitter(args: {
  api: HttpClient;
  profileId: string;
  keyAlgorithm: KeyAlgorithm;
  tag: string;
}): Send {
  return async (index) => {
    const name = `${args.tag}-${index}.example.test`;
    const res = await args.api.send("POST", SUBMIT_PATH, {
      profileId: args.profileId,
      commonName: name,
      altNames: [{ type: "dns_name", value: name }],
      keyAlgorithm: args.keyAlgorithm,
    });
    if (res.status !== 202) {
      return { ok: false, error: `HTTP ${res.status}: ${res.text.slice(0, 200)}` };
    }
    return {
      ok: true,
      id: (JSON.parse(res.text) as { certificateRequestId: string }).certificateRequestId,
    };
  };
}
