import { once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { readFrames } from "../src/cluster/frames.ts";

/** A real loopback connection: `send` writes raw bytes on one end, the other end's frames are collected. */
async function pair(head: Buffer) {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const client = connect((server.address() as { port: number }).port, "127.0.0.1");
  await once(client, "connect");
  const [socket] = await accepted;
  const frames: unknown[] = [];
  readFrames(socket, head, (value) => frames.push(value));
  return {
    frames,
    socket,
    send: async (bytes: Buffer) => void (await new Promise((resolve) => client.write(bytes, resolve))),
    close: () => {
      client.destroy();
      socket.destroy();
      server.close();
    },
  };
}

const frame = (value: unknown) => {
  const json = Buffer.from(JSON.stringify(value));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(json.length);
  return Buffer.concat([header, json]);
};

describe("cluster link frames", () => {
  it("reads frames whole however the bytes arrive: after the upgrade's head, two in one write, one split over many small writes", async () => {
    const big = { id: 3, text: "x".repeat(200_000) };
    const bytes = Buffer.concat([frame({ id: 1 }), frame({ id: 2 }), frame(big), frame({ id: 4 })]);
    const link = await pair(bytes.subarray(0, 6));
    try {
      const rest = bytes.subarray(6);
      // The first two frames' rest in one write, then the large one and the last in 1,000-byte pieces.
      const split = frame({ id: 1 }).length + frame({ id: 2 }).length - 6;
      await link.send(rest.subarray(0, split));
      for (let at = split; at < rest.length; at += 1000) await link.send(rest.subarray(at, Math.min(at + 1000, rest.length)));
      const deadline = Date.now() + 10_000;
      while (link.frames.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(link.frames).toEqual([{ id: 1 }, { id: 2 }, big, { id: 4 }]);
    } finally {
      link.close();
    }
  });

  it("drops a link whose frame is not JSON", async () => {
    const link = await pair(Buffer.alloc(0));
    try {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(3);
      const failed = once(link.socket, "error") as Promise<[Error]>;
      await link.send(Buffer.concat([header, Buffer.from("{x}")]));
      const [error] = await failed;
      expect(error.message).toBe("a cluster frame is not JSON");
      expect(link.socket.destroyed).toBe(true);
      expect(link.frames).toEqual([]);
    } finally {
      link.close();
    }
  });
});
