import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HARDHAT_CLI = path.join(PROJECT_ROOT, "node_modules/hardhat/dist/src/cli.js");

/** Runs `hardhat run scripts/bench-rpc.ts` in small mode and collects its exit code and output. */
function runSmallBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT_CLI, "run", "scripts/bench-rpc.ts"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, MEDCHAIN_BENCH_SMALL: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

describe("JSON-RPC throughput benchmark (scripts/bench-rpc.ts, small mode)", function () {
  this.timeout(180_000);

  it("deploys over HTTP, prints both tables with progress, and stops its node", async function () {
    const { code, stdout, stderr } = await runSmallBench();
    expect(code, stderr).to.equal(0);

    // Progress on stderr, ending with the node stopped.
    expect(stderr).to.include("[bench-rpc] logAccess, one by one: 5/5");
    expect(stderr).to.include("[bench-rpc] anchorRecord, pipelined: receipts: 5/5");
    expect(stderr.trimEnd().endsWith("[bench-rpc] node stopped")).to.equal(true);

    // What was measured is stated; every transaction got its own block (automine).
    expect(stdout).to.include("automine: one block per transaction");
    expect(stdout).to.match(/chain id 20260, hardfork cancun, zero base fee/);
    for (const [operation, mode] of [
      ["logAccess", "one by one"],
      ["logAccess", "pipelined"],
      ["anchorRecord", "one by one"],
      ["anchorRecord", "pipelined"],
    ]) {
      expect(stdout).to.match(
        new RegExp(`^\\| ${operation} \\| ${mode} \\| 5 \\| 5 \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\|$`, "m"),
      );
    }
    expect(stdout).to.match(/^\| 5 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d,]+ \| [\d,]+ \|$/m);

    const port = /hardhat node http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
    expect(port).to.not.equal(undefined);
    expect(await portIsFree(Number(port))).to.equal(true);
  });
});
