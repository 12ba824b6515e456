import { parseConfig } from "@certq/config";
import {
  ClusterTopology,
  type PrivateTopology,
  SentinelTopology,
} from "../../apps/worker/test/faults/redis-topologies";
import { CertqStack } from "./certq-stack";
import { Cleanup } from "./cleanup";
import { type EndToEndResult, runEndToEnd } from "./end-to-end";
import { waitUntilIdle } from "./processes";

export type TopologyName = "single node" | "Sentinel" | "Cluster";
export const TOPOLOGIES: TopologyName[] = ["single node", "Sentinel", "Cluster"];

/** Starts a private Sentinel group or Cluster (the single node is the local Redis). */
async function startTopology(name: TopologyName): Promise<PrivateTopology | undefined> {
  if (name === "Sentinel") return SentinelTopology.start();
  if (name === "Cluster") return ClusterTopology.start();
  return undefined;
}

/**
 * The same EC P-256 end-to-end run (one worker) on each Redis topology, each with its own
 * stack, torn down before the next: what Sentinel's and Cluster's hops cost.
 */
export async function runOnTopology(args: {
  name: TopologyName;
  count: number;
  clients: number;
  workerConcurrency: number;
  timeoutMs: number;
}): Promise<EndToEndResult> {
  const cleanup = new Cleanup();
  try {
    const topology = await startTopology(args.name);
    if (topology) cleanup.add(`stop ${args.name}`, () => topology.stop());
    const stack = await CertqStack.start({
      cleanup,
      workerConcurrency: args.workerConcurrency,
      ...(topology
        ? { redis: { env: topology.env, connection: parseConfig(topology.env).redis } }
        : {}),
    });
    const workers = await stack.startWorkers(1);
    await waitUntilIdle(
      workers.map((w) => w.pid),
      60_000,
    );
    const common = { stack, clients: args.clients, keyAlgorithm: "EC_prime256v1" as const };
    await runEndToEnd({ ...common, label: `warm-up ${args.name}`, count: 200, timeoutMs: 60_000 });
    return await runEndToEnd({
      ...common,
      label: `topology ${args.name}`,
      count: args.count,
      timeoutMs: args.timeoutMs,
    });
  } finally {
    await cleanup.run();
  }
}
