/**
 * `./medchain stack`: the whole local stack for trying medchain in a browser — a rehearsal node with medchain
 * deployed and demo data seeded, St Mary's relayer, the indexer, and the web app at one address:
 *
 *   ./medchain stack                 # builds the web app, starts everything, prints the address; Ctrl-C stops
 *
 * MEDCHAIN_STACK_PORT sets the web app's port (default 5173). DEMO ONLY: the personas' keys come from Hardhat's
 * public development mnemonic and are shown to the browser.
 */
import { network } from "hardhat";

import { buildWebApp, startStack } from "./lib/stack.js";

const log = (line: string) => console.log(`[stack] ${line}`);
log("building the web app (web/ → web/dist)");
const webDirectory = await buildWebApp();
const stack = await startStack(network, {
  port: Number(process.env.MEDCHAIN_STACK_PORT ?? 5173),
  webDirectory,
  log,
});
console.log(`
medchain is running — open ${stack.url}
  personas (demo keys): ${stack.config.personas.map((p) => p.name.en).join("; ")}
  patient id ${stack.seed.patientId}; a sample record and its proof bundle: ${stack.seed.demoRecord.file},
  ${stack.seed.demoRecord.proofBundleFile}
  JSON-RPC ${stack.node.url} · relayer ${stack.relayerUrl} · indexer ${stack.indexer.url}
Ctrl-C stops everything.`);
await new Promise<void>((resolve) => {
  process.once("SIGINT", resolve);
  process.once("SIGTERM", resolve);
});
log("stopping");
await stack.stop();
