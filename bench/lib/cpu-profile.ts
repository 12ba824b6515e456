import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** Where a script URL lives: the npm package, the workspace file, or node's internals. */
function origin(url: string): string {
  if (url === "") return "(native/VM)";
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith("node:")) return "node internals";
  const ours = url.match(/\/(apps|packages)\/([^/]+)\/src\/(.+)$/);
  if (ours) return `${ours[1]}/${ours[2]}/${ours[3]}`;
  return url.replace(/^file:\/\//, "");
}

/**
 * Self time of the main thread by function and by origin (package or file), summed over
 * the main-thread .cpuprofile files in the directory. Off-thread work (libuv pool crypto) is not in it.
 */
export async function summarizeCpuProfiles(
  dir: string,
  top = 12,
): Promise<{ totalMs: number; functions: SelfTime[]; origins: SelfTime[] }> {
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let totalUs = 0;
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (tsx's
  // loader hooks run on a thread of their own and would only add noise).
  const mainThread = /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/;
  for (const file of (await readdir(dir)).filter((f) => mainThread.test(f))) {
    const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id);
      const delta = profile.timeDeltas[i] ?? 0;
      if (!node || node.callFrame.functionName === "(idle)") return;
      totalUs += delta;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = origin(url);
      const key = `${functionName || "(anonymous)"}  ${where}${url ? `:${lineNumber + 1}` : ""}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + delta);
      byOrigin.set(where, (byOrigin.get(where) ?? 0) + delta);
    });
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
  return { totalMs: totalUs / 1000, functions: rank(byFunction), origins: rank(byOrigin) };
}
