import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

// Hardhat cannot download compilers on air-gapped hospital networks (nor on
// our CI), so the compiler comes from the npm `solc` package, pinned exactly
// in package.json. Hardhat needs the absolute path of its wasm build and does
// not check `version` against it: keep the two equal.
const SOLC_VERSION = "0.8.30";
const soljsonPath = createRequire(import.meta.url).resolve("solc/soljson.js");

const compiler = {
  version: SOLC_VERSION,
  path: soljsonPath,
  settings: {
    // OpenZeppelin 5.7 uses `mcopy`; Besu QBFT networks run Cancun milestones.
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    // Storage layouts let `npm run lint:upgrades` (OpenZeppelin upgrades-core) prove upgrades keep state.
    outputSelection: { "*": { "*": ["storageLayout"] } },
  },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    // Ignition deploys with the `production` profile: both need the offline path.
    profiles: {
      default: compiler,
      production: compiler,
    },
    // Ignition deploys the proxies from OpenZeppelin's own artifact.
    npmFilesToBuild: ["@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol"],
  },
  paths: {
    tests: { mocha: "test", solidity: "test" },
  },
  test: {
    solidity: {
      // A fixed seed makes fuzz and invariant failures reproduce on every machine.
      fuzz: { runs: 256, seed: "0x6d6564636861696e" },
      invariant: { runs: 64, depth: 32, failOnRevert: false },
    },
  },
  typechain: {
    outDir: "typechain-types",
  },
  networks: {
    // The in-process chain behaves like the consortium's Besu QBFT chain where it
    // matters: Cancun rules and no fee market (zero base fee, gas is free).
    default: {
      type: "edr-simulated",
      chainType: "l1",
      hardfork: "cancun",
      initialBaseFeePerGas: 0,
      blockGasLimit: 60_000_000,
      // The story's people need more than Hardhat's default 20 accounts (same development mnemonic).
      accounts: { count: 30 },
    },
    // A rehearsal of the consortium chain served over JSON-RPC by `hardhat --network rehearsal node`
    // (scripts/lib/local-node.ts starts it on a free port): the Besu genesis' rules (Cancun, zero base fee,
    // 60M block gas limit from scripts/lib/besu.ts) under a chain id of its own. Not 2026, the id the Besu
    // docs deploy with: Ignition keeps a journal per chain id in ignition/deployments/chain-<id>, and a
    // throwaway node must never touch a real consortium's. Blocks are mined per transaction (automine),
    // not every QBFT block period.
    rehearsal: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: 20_260,
      hardfork: "cancun",
      initialBaseFeePerGas: 0,
      blockGasLimit: 60_000_000,
    },
    // The rehearsal node seen over HTTP, as the consortium network is (zero gas price). Its port is chosen
    // at run time: `network.create({ network: "rehearsalHttp", override: { url } })` (connectToLocalNode).
    rehearsalHttp: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
      gasPrice: 0,
    },
    localhost: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
    },
    // The consortium's Besu QBFT chain. Values are read only when this network is used: from the
    // environment or from Hardhat's encrypted keystore (`npx hardhat keystore set MEDCHAIN_DEPLOYER_KEY`).
    consortium: {
      type: "http",
      chainType: "l1",
      url: configVariable("MEDCHAIN_RPC_URL"),
      accounts: [configVariable("MEDCHAIN_DEPLOYER_KEY")],
      gasPrice: 0,
    },
  },
});
