// The agent's HTTP transport (HttpClient with transport "node"): keep-alive connections reused,
// the same timeout and "may have been received" rules as the fetch transport.
import assert from "node:assert/strict";
import { createServer, Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { HttpClient } from "../clients/http";

describe("HttpClient node transport", () => {
  let server: Server;
  let connections = 0;
  let delayMs = 0;
  let url = "";
  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () =>
        setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json", "x-ratelimit-remaining": "10" });
          res.end(JSON.stringify({ method: req.method, body: body ? JSON.parse(body) : null, auth: req.headers.authorization ?? null }));
        }, delayMs),
      );
    });
    server.keepAliveTimeout = 5000;
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    connections = 0;
    delayMs = 0;
  });

  it("sends method, headers and JSON body, reads headers and JSON, and reuses one connection for sequential calls", async () => {
    const client = new HttpClient({ transport: "node" });
    for (let i = 0; i < 20; i++) {
      const res = await client.send({ method: "POST", url: `${url}/x`, body: { i }, headers: { authorization: "k" } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { method: "POST", body: { i }, auth: "k" });
      assert.equal(res.headers.get("X-RateLimit-Remaining"), "10");
    }
    assert.equal(connections, 1, "keep-alive: one connection for 20 calls");
  });

  it("aborts an attempt after the timeout and does not replay a call that may have been received", async () => {
    delayMs = 300;
    const client = new HttpClient({ transport: "node", policy: { timeoutMs: 50, retries: 2, baseDelayMs: 1 }, sleep: async () => undefined });
    await assert.rejects(client.send({ method: "POST", url: `${url}/start`, body: {}, replay: "unsent" }), /timed out.*not retried/);
  });

  it("replays a call the server never received (connection refused)", async () => {
    let attempts = 0;
    const client = new HttpClient({ transport: "node", policy: { retries: 2, baseDelayMs: 1 }, sleep: async () => undefined, onAttempt: () => attempts++ });
    await assert.rejects(client.send({ method: "POST", url: "http://127.0.0.1:9/start", body: {}, replay: "unsent" }), /ECONNREFUSED.*after 3 attempts/);
    assert.equal(attempts, 3);
  });

  it("sends calls that must not be replayed, one right after the other, on one connection", async () => {
    const client = new HttpClient({ transport: "node" });
    for (let i = 0; i < 5; i++) assert.equal((await client.send({ method: "POST", url: `${url}/start`, body: { i }, replay: "unsent" })).status, 200);
    assert.equal(connections, 1, "a connection that answered moments ago is reused");
  });

  it("sends a call that must not be replayed on a fresh connection, not on an idle one the server has dropped", async () => {
    // A gateway that drops idle connections without telling (no Keep-Alive hint, no FIN): the
    // next request written on such a socket is answered with a reset.
    let opened = 0;
    const sockets = new Set<import("node:net").Socket>();
    const gateway = createNetServer((socket) => {
      opened++;
      sockets.add(socket);
      let lastAnswer = 0;
      socket.on("data", (chunk: Buffer) => {
        if (lastAnswer && Date.now() - lastAnswer > 200) return void socket.resetAndDestroy();
        if (!chunk.toString().includes("\r\n\r\n")) return;
        socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n{}");
        lastAnswer = Date.now();
      });
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    try {
      const client = new HttpClient({ transport: "node", policy: { retries: 2, baseDelayMs: 1 }, sleep: async () => undefined });
      assert.equal((await client.send({ method: "GET", url: `${base}/a` })).status, 200);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal((await client.send({ method: "POST", url: `${base}/start`, body: {}, replay: "unsent" })).status, 200);
      assert.equal(opened, 2, "the start went on a connection of its own");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => gateway.close(resolve));
    }
  });
});
