/**
 * Generates what an operator needs to rehearse a Besu QBFT consortium chain on one machine (or to start
 * from, for a real one): genesis, TEST-ONLY node keys, static nodes, the node allowlist and each node's
 * config, plus the Hardhat network entry. Runbook: docs/deploy-besu.md.
 *
 *   ./medchain besu-network --validators 4 --chain-id 2026 --out besu-network
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import {
  BesuConfigError,
  besuNodeToml,
  enodeUrl,
  generateNodeKey,
  nodesAllowlistToml,
  qbftGenesis,
} from "./lib/besu.ts";

const { values } = parseArgs({
  options: {
    validators: { type: "string", default: "4" },
    "chain-id": { type: "string", default: "2026" },
    out: { type: "string", default: "besu-network" },
    host: { type: "string", default: "127.0.0.1" },
    "block-period": { type: "string", default: "2" },
  },
});

function fail(message: string): never {
  console.error(`besu-network: ${message}`);
  process.exit(2);
}

const count = Number(values.validators);
const chainId = Number(values["chain-id"]);
const blockPeriodSeconds = Number(values["block-period"]);
if (!Number.isInteger(count) || count < 1 || count > 32)
  fail("--validators must be 1 to 32 (4 or more tolerate one fault)");
const out = values.out;
if (existsSync(out) && readdirSync(out).length > 0) fail(`${out} exists and is not empty; choose another --out`);

try {
  const nodes = Array.from({ length: count }, (_, index) => ({
    ...generateNodeKey(),
    index,
    p2pPort: 30_303 + index,
    rpcPort: 8_545 + index,
  }));
  const genesis = qbftGenesis({ chainId, blockPeriodSeconds, validators: nodes.map((node) => node.address) });
  const enodes = nodes.map((node) => enodeUrl(node, values.host, node.p2pPort));
  mkdirSync(out, { recursive: true });
  const write = (path: string, text: string) => writeFileSync(join(out, path), text);
  write("genesis.json", `${JSON.stringify(genesis, null, 2)}\n`);
  write(
    "TEST-KEYS-ONLY.txt",
    "The node-*/key files were generated on this machine for a rehearsal network.\n" +
      "Never use them in production: each hospital generates its validator key on its own node or HSM\n" +
      "and sends only its public key and address (docs/deploy-besu.md).\n",
  );
  for (const node of nodes) {
    const dir = `node-${node.index}`;
    mkdirSync(join(out, dir), { recursive: true });
    write(join(dir, "key"), node.privateKey.slice(2));
    write(join(dir, "key.pub"), node.publicKey);
    write(join(dir, "address"), node.address);
    write(join(dir, "config.toml"), besuNodeToml({ p2pPort: node.p2pPort, rpcPort: node.rpcPort }));
    write(
      join(dir, "static-nodes.json"),
      `${JSON.stringify(
        enodes.filter((_, i) => i !== node.index),
        null,
        2,
      )}\n`,
    );
    write(join(dir, "permissions_config.toml"), nodesAllowlistToml(enodes));
    write(join(dir, "genesis.json"), `${JSON.stringify(genesis, null, 2)}\n`);
  }
  console.log(`wrote a ${count}-validator QBFT network (chain id ${chainId}) to ${out}/`);
  for (const node of nodes)
    console.log(`  node-${node.index}: validator ${node.address}, RPC http://127.0.0.1:${node.rpcPort}`);
  console.log("\nStart each node:  cd " + `${out}/node-0 && besu --config-file=config.toml`);
  console.log("Hardhat network (already in hardhat.config.ts as `consortium`):");
  console.log(`  export MEDCHAIN_RPC_URL=http://127.0.0.1:${nodes[0]?.rpcPort ?? 8545}`);
  console.log("  ./medchain npx hardhat keystore set MEDCHAIN_DEPLOYER_KEY");
} catch (error) {
  if (error instanceof BesuConfigError) fail(`${error.message} (${error.field})`);
  throw error;
}
