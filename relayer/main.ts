/**
 * Runs the relayer (relayer/relayer.ts) for one hospital:
 *
 *   MEDCHAIN_RELAYER_KEY=0x… ./medchain relayer     # the hospital operator's key (zero-gas chain: no ether)
 *                                                  # (ClaimsOfficer duty to relay claims too)
 *
 * MEDCHAIN_RPC_URL (default http://127.0.0.1:8545), MEDCHAIN_DEPLOYMENT (default
 * ignition/deployments/chain-<the node's chain id>), MEDCHAIN_RELAYER_PORT (default 8787) and
 * MEDCHAIN_RELAYER_HOST (default 127.0.0.1: put it behind the hospital's reverse proxy).
 */
import { Wallet } from "ethers";

import { ConsortiumProvider, MedchainClient } from "../sdk/index.js";
import { loadDeployment } from "../sdk/node.js";
import { createRelayerServer } from "./relayer.js";

const key = process.env.MEDCHAIN_RELAYER_KEY;
if (key === undefined || key === "") {
  console.error("set MEDCHAIN_RELAYER_KEY to the hospital operator's private key (or use Hardhat's keystore)");
  process.exit(2);
}
const provider = new ConsortiumProvider(process.env.MEDCHAIN_RPC_URL ?? "http://127.0.0.1:8545");
const { chainId } = await provider.getNetwork();
const deployment = await loadDeployment(process.env.MEDCHAIN_DEPLOYMENT ?? `ignition/deployments/chain-${chainId}`);
const client = await MedchainClient.connect(new Wallet(key, provider), deployment);
const port = Number(process.env.MEDCHAIN_RELAYER_PORT ?? 8787);
const host = process.env.MEDCHAIN_RELAYER_HOST ?? "127.0.0.1";
const { server } = createRelayerServer({ client });
server.listen(port, host, () => {
  process.stdout.write(
    `${JSON.stringify({ event: "listening", url: `http://${host}:${port}`, chainId: String(chainId) })}\n`,
  );
});
