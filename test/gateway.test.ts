import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { startGateway, type Gateway } from "../scripts/lib/gateway.js";
import { freePort } from "../scripts/lib/local-node.js";

/** The local stack's gateway: static web app, config.json, demo files, and three proxied services. */
describe("Gateway of the local stack", function () {
  let directory: string;
  let upstream: Server;
  let upstreamUrl: string;
  let gateway: Gateway;
  const seen: { method: string; url: string; body: string }[] = [];

  before(async function () {
    directory = await mkdtemp(path.join(tmpdir(), "medchain-gateway-"));
    await mkdir(path.join(directory, "web", "assets"), { recursive: true });
    await mkdir(path.join(directory, "demo"), { recursive: true });
    await writeFile(path.join(directory, "web", "index.html"), "<html>app</html>");
    await writeFile(path.join(directory, "web", "assets", "app.js"), "console.log(1)");
    await writeFile(path.join(directory, "demo", "lab-result.json"), "{}");
    await writeFile(path.join(directory, "secret.txt"), "not for the web");
    upstream = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        seen.push({ method: request.method ?? "", url: request.url ?? "", body });
        response.writeHead(201, { "content-type": "application/json", "x-upstream": "yes" });
        response.end(JSON.stringify({ echoed: request.url }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", () => resolve()));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gateway = await startGateway({
      webDirectory: path.join(directory, "web"),
      config: { chainId: "20260" },
      rpcUrl: upstreamUrl,
      relayerUrl: `${upstreamUrl}/relay-root`,
      indexerUrl: `http://127.0.0.1:${await freePort()}`, // nothing listens there
      demoDirectory: path.join(directory, "demo"),
    });
  });

  after(async function () {
    await gateway?.stop();
    await new Promise<void>((resolve) => upstream?.close(() => resolve()));
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it("serves the app, its assets, config.json and the demo files", async function () {
    expect(await (await fetch(`${gateway.url}/`)).text()).to.equal("<html>app</html>");
    const asset = await fetch(`${gateway.url}/assets/app.js`);
    expect(asset.headers.get("content-type")).to.match(/^text\/javascript/);
    expect(await (await fetch(`${gateway.url}/config.json`)).json()).to.deep.equal({ chainId: "20260" });
    expect((await fetch(`${gateway.url}/demo-records/lab-result.json`)).status).to.equal(200);
  });

  it("answers an unknown page with the app (client-side routes) but an unknown file with 404", async function () {
    expect(await (await fetch(`${gateway.url}/patient/grants`)).text()).to.equal("<html>app</html>");
    expect((await fetch(`${gateway.url}/assets/missing.js`)).status).to.equal(404);
  });

  it("proxies /rpc, /relayer/* and /indexer/* with method, path and body, stripping the prefix", async function () {
    const rpc = await fetch(`${gateway.url}/rpc`, { method: "POST", body: '{"id":1}' });
    expect(rpc.status).to.equal(201);
    expect(rpc.headers.get("x-upstream")).to.equal("yes");
    const relayed = await fetch(`${gateway.url}/relayer/v1/relay/grant?x=1`, { method: "POST", body: "{}" });
    expect(await relayed.json()).to.deep.equal({ echoed: "/relay-root/v1/relay/grant?x=1" });
    expect(seen.map(({ method, url, body }) => [method, url, body])).to.deep.equal([
      ["POST", "/", '{"id":1}'],
      ["POST", "/relay-root/v1/relay/grant?x=1", "{}"],
    ]);
  });

  it("says 502 naming the service when it is down, and refuses escapes and writes to static files", async function () {
    const down = await fetch(`${gateway.url}/indexer/api/v1/status`);
    expect(down.status).to.equal(502);
    expect(await down.text()).to.match(/unreachable/);
    // Encoded dot segments survive URL parsing; the file lookup must still stay inside its directory.
    for (const escape of [
      "/demo-records/..%2Fsecret.txt",
      "/..%2F..%2Fsecret.txt",
      "/demo-records/%2E%2E/secret.txt",
    ]) {
      const answer = await fetch(`${gateway.url}${escape}`);
      expect(await answer.text(), escape).not.to.include("not for the web");
      expect(answer.status, escape).to.be.oneOf([403, 404]);
    }
    expect((await fetch(`${gateway.url}/index.html`, { method: "PUT", body: "x" })).status).to.equal(405);
    expect((await fetch(`${gateway.url}/%E0%A4%A`)).status, "malformed percent-encoding").to.equal(400);
    expect((await fetch(`${gateway.url}/`)).status, "still serving").to.equal(200);
  });
});
