import { createServer } from "node:net";

import { expect } from "chai";
import { Wallet } from "ethers";
import hre, { network } from "hardhat";

import {
  connectToLocalNode,
  jsonRpc,
  LocalNodeStartError,
  REHEARSAL_NETWORK,
  runningLocalNodes,
  startLocalNode,
  type LocalNode,
} from "../scripts/lib/local-node.js";

interface RpcBlock {
  baseFeePerGas: string;
  gasLimit: string;
}

/** Whether 127.0.0.1:`port` can be bound (nothing listens on it). */
const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

const processIsAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("Local JSON-RPC node (scripts/lib/local-node.ts)", function () {
  this.timeout(180_000);
  let node: LocalNode;

  before(async function () {
    node = await startLocalNode();
  });

  after(async function () {
    await node?.stop();
  });

  it("answers on 127.0.0.1 with the rehearsal network's chain id, not Hardhat's 31337", async function () {
    const configured = hre.config.networks[REHEARSAL_NETWORK];
    expect(configured?.type).to.equal("edr-simulated");
    expect(node.url).to.equal(`http://127.0.0.1:${node.port}`);
    expect(node.chainId).to.equal(BigInt(configured?.chainId ?? 0));
    expect(node.chainId).to.equal(20_260n);
    expect(await jsonRpc(node.url, "net_version")).to.equal("20260");
  });

  it("has the consortium chain's fee rules and gas limit: zero base fee, 60M gas blocks", async function () {
    const latest = (await jsonRpc(node.url, "eth_getBlockByNumber", ["latest", false])) as RpcBlock;
    expect(BigInt(latest.baseFeePerGas)).to.equal(0n);
    expect(BigInt(latest.gasLimit)).to.equal(60_000_000n);
  });

  it("mines a transaction at gas price 0 from an account holding nothing, as the consortium chain does", async function () {
    const connection = await connectToLocalNode(network, node);
    try {
      const wallet = Wallet.createRandom(connection.ethers.provider);
      const response = await wallet.sendTransaction({ to: wallet.address, gasPrice: 0n, chainId: node.chainId });
      const receipt = await response.wait();
      expect(receipt?.status).to.equal(1);
      expect(receipt?.gasPrice).to.equal(0n);
      expect(await connection.ethers.provider.getBalance(wallet.address)).to.equal(0n);
    } finally {
      await connection.close();
    }
  });

  it("gives Hardhat a connection over HTTP whose transactions pay gas price 0 (rehearsalHttp network)", async function () {
    const connection = await connectToLocalNode(network, node);
    try {
      expect(connection.networkName).to.equal("rehearsalHttp");
      expect(connection.networkConfig.type).to.equal("http");
      const [sender] = await connection.ethers.getSigners();
      if (sender === undefined) throw new Error("the node has no unlocked accounts");
      const before = await connection.ethers.provider.getBalance(sender.address);
      const receipt = await (await sender.sendTransaction({ to: sender.address })).wait();
      expect(receipt?.gasPrice).to.equal(0n);
      expect(await connection.ethers.provider.getBalance(sender.address)).to.equal(before);
    } finally {
      await connection.close();
    }
  });

  it("refuses to connect when the node reports another chain id", async function () {
    let error: unknown;
    try {
      await connectToLocalNode(network, { url: node.url, chainId: 2026n });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal(`${node.url} reports chain id 20260, expected 2026`);
  });

  it("starts a second node on another port; stop() ends its process and frees its port", async function () {
    const second = await startLocalNode();
    let stopped = false;
    try {
      expect(second.port).to.not.equal(node.port);
      expect(second.chainId).to.equal(node.chainId);
      expect(processIsAlive(second.pid)).to.equal(true);
      expect(await portIsFree(second.port)).to.equal(false);
      await second.stop();
      stopped = true;
      expect(processIsAlive(second.pid)).to.equal(false);
      expect(await portIsFree(second.port)).to.equal(true);
      await second.stop(); // a second stop is harmless
      // the first node still answers
      expect(BigInt(String(await jsonRpc(node.url, "eth_chainId")))).to.equal(node.chainId);
    } finally {
      if (!stopped) await second.stop();
    }
  });

  it("reports a node that exits at startup with its last output lines", async function () {
    let error: unknown;
    try {
      await startLocalNode({ network: "no-such-network" });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(LocalNodeStartError);
    const { message, output } = error as LocalNodeStartError;
    expect(message).to.match(
      /^the hardhat node exited with code [1-9]\d* before answering on http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(output.join("\n")).to.include("no-such-network");
    expect(message).to.include("no-such-network");
  });

  it("reports a node that does not answer in time, and leaves no process behind", async function () {
    const runningBefore = runningLocalNodes();
    let error: unknown;
    try {
      await startLocalNode({ startupTimeoutMs: 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(LocalNodeStartError);
    expect((error as Error).message).to.match(
      /^the hardhat node did not answer eth_chainId on http:\/\/127\.0\.0\.1:\d+ in time/,
    );
    expect(runningLocalNodes()).to.equal(runningBefore);
  });
});
