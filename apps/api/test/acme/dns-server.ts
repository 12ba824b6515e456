import { createSocket } from "node:dgram";

/**
 * A tiny authoritative DNS responder on a loopback UDP port, standing in for the world's
 * DNS in ACME tests: every A question gets 127.0.0.1, TXT questions what setTxt put there,
 * anything else an empty NOERROR answer.
 */
export interface TestDnsServer {
  /** `127.0.0.1:port`, for CERTQ_ACME_DNS_RESOLVER. */
  address: string;
  setTxt(name: string, values: string[]): void;
  /** The IPv4 address a name resolves to (default 127.0.0.1). */
  setA(name: string, address: string): void;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_TXT = 16;

function readName(packet: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (at < packet.length) {
    const length = packet[at] as number;
    if (length === 0) return { name: labels.join("."), end: at + 1 };
    labels.push(packet.subarray(at + 1, at + 1 + length).toString("ascii"));
    at += 1 + length;
  }
  throw new Error("truncated name");
}

function answer(type: number, data: Buffer): Buffer {
  const record = Buffer.alloc(12);
  record.writeUInt16BE(0xc00c, 0); // the question's name
  record.writeUInt16BE(type, 2);
  record.writeUInt16BE(1, 4); // IN
  record.writeUInt32BE(0, 6); // TTL 0: tests change records between queries
  record.writeUInt16BE(data.length, 10);
  return Buffer.concat([record, data]);
}

function txtData(value: string): Buffer {
  const text = Buffer.from(value, "utf8");
  return Buffer.concat([Buffer.from([text.length]), text]);
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const txt = new Map<string, string[]>();
  const a = new Map<string, string>();
  const socket = createSocket("udp4");
  socket.on("message", (query, peer) => {
    try {
      const { name, end } = readName(query, 12);
      const type = query.readUInt16BE(end);
      const question = query.subarray(12, end + 4);
      const answers =
        type === TYPE_A
          ? [
              answer(
                TYPE_A,
                Buffer.from((a.get(name.toLowerCase()) ?? "127.0.0.1").split(".").map(Number)),
              ),
            ]
          : type === TYPE_TXT
            ? (txt.get(name.toLowerCase()) ?? []).map((value) => answer(TYPE_TXT, txtData(value)))
            : [];
      const header = Buffer.alloc(12);
      query.copy(header, 0, 0, 2); // ID
      header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100), 2); // response, AA, RD copied
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(answers.length, 6);
      socket.send(Buffer.concat([header, question, ...answers]), peer.port, peer.address);
    } catch {
      // A malformed query gets no answer, as from a real server.
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    setTxt: (name, values) => txt.set(name.toLowerCase(), values),
    setA: (name, address) => a.set(name.toLowerCase(), address),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
