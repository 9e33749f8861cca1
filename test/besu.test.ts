import { expect } from "chai";

import {
  BesuConfigError,
  besuNodeToml,
  decodeQbftExtraData,
  enodeUrl,
  generateNodeKey,
  nodeKeyFromPrivateKey,
  nodesAllowlistToml,
  QBFT_MIX_HASH,
  qbftExtraData,
  qbftGenesis,
} from "../scripts/lib/besu.js";

/** The four validators and the extraData of Besu's QBFT genesis example (besu-docs, consensus/qbft.md). */
const BESU_DOCS_VALIDATORS = [
  "0x64a702e6263b7297a96638cac6ae65e6541f4169",
  "0x3923390ad55e90c237593b3b0e401f3b08a03185",
  "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
  "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78",
];
const BESU_DOCS_EXTRA_DATA =
  "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549464a702e6263b7297a96638cac6ae65e6541f4169943923390ad55e90c237593b3b0e401f3b08a0318594aefdb9a738c9f433e5b6b212a6d62f6370c2f69294c7eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0";
/** Besu's example extraData for contract validator selection: no validators in the header. */
const BESU_DOCS_CONTRACT_EXTRA_DATA = "0xe5a00000000000000000000000000000000000000000000000000000000000000000c0c080c0";

/** Hardhat's first development account: a key everyone knows, so its identity is a fixed vector. */
const KNOWN_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const thrownBy = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a BesuConfigError");
};

describe("Besu QBFT network files", function () {
  it("encodes extraData exactly as Besu's documented example", function () {
    expect(qbftExtraData(BESU_DOCS_VALIDATORS)).to.equal(BESU_DOCS_EXTRA_DATA);
    // Checksummed input gives the same bytes.
    expect(qbftExtraData(BESU_DOCS_VALIDATORS.map((v) => v.toUpperCase().replace("0X", "0x")))).to.equal(
      BESU_DOCS_EXTRA_DATA,
    );
  });

  it("follows the RLP layout: 32-byte vanity, validators, empty vote, round 0, no seals", function () {
    const decoded = decodeQbftExtraData(BESU_DOCS_EXTRA_DATA);
    expect(decoded.vanity).to.equal(`0x${"00".repeat(32)}`);
    expect(decoded.validators.map((v) => v.toLowerCase())).to.deep.equal(BESU_DOCS_VALIDATORS);
    expect(decoded.vote).to.deep.equal([]);
    expect(decoded.round).to.equal("0x");
    expect(decoded.seals).to.deep.equal([]);
    expect(decodeQbftExtraData(BESU_DOCS_CONTRACT_EXTRA_DATA).validators).to.deep.equal([]);
  });

  it("refuses no validators, a malformed or repeated validator, and malformed extraData", function () {
    for (const [validators, fragment] of [
      [[], "at least one validator"],
      [["0x1234"], "is not an address"],
      [[BESU_DOCS_VALIDATORS[0], BESU_DOCS_VALIDATORS[0]], "listed twice"],
    ] as const) {
      const error = thrownBy(() => qbftExtraData(validators as readonly string[]));
      expect(error).to.be.instanceOf(BesuConfigError);
      expect((error as BesuConfigError).message).to.contain(fragment);
      expect((error as BesuConfigError).field).to.equal("validators");
    }
    expect(thrownBy(() => decodeQbftExtraData("0xc0"))).to.be.instanceOf(BesuConfigError);
  });

  it("writes a genesis with Cancun from block 0, zero base fee, QBFT settings and the validators", function () {
    const nodes = [generateNodeKey(), generateNodeKey(), generateNodeKey(), generateNodeKey()];
    const genesis = qbftGenesis({ chainId: 2026, validators: nodes.map((n) => n.address) });
    expect(genesis.config).to.deep.include({
      chainId: 2026,
      berlinBlock: 0,
      londonBlock: 0,
      shanghaiTime: 0,
      cancunTime: 0,
      zeroBaseFee: true,
    });
    expect(genesis.config.qbft).to.deep.equal({ blockperiodseconds: 2, epochlength: 30_000, requesttimeoutseconds: 4 });
    expect(genesis.mixHash).to.equal(QBFT_MIX_HASH);
    expect(genesis.difficulty).to.equal("0x1");
    expect(BigInt(genesis.gasLimit)).to.equal(60_000_000n);
    expect(decodeQbftExtraData(genesis.extraData).validators).to.deep.equal(nodes.map((n) => n.address));
  });

  it("refuses a bad chain id, block period, timeout and gas limit", function () {
    const validators = BESU_DOCS_VALIDATORS;
    for (const [options, field] of [
      [{ chainId: 0, validators }, "chainId"],
      [{ chainId: 2026, validators, blockPeriodSeconds: 0 }, "blockPeriodSeconds"],
      [{ chainId: 2026, validators, blockPeriodSeconds: 5, requestTimeoutSeconds: 5 }, "requestTimeoutSeconds"],
      [{ chainId: 2026, validators, gasLimit: 1_000_000n }, "gasLimit"],
    ] as const) {
      expect((thrownBy(() => qbftGenesis(options)) as BesuConfigError).field).to.equal(field);
    }
  });

  it("derives a node's address, public key and enode from its key", function () {
    const node = nodeKeyFromPrivateKey(KNOWN_KEY);
    expect(node.address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(node.publicKey).to.match(/^0x[0-9a-f]{128}$/);
    const enode = enodeUrl(node, "10.0.0.11", 30303);
    expect(enode).to.equal(`enode://${node.publicKey.slice(2)}@10.0.0.11:30303`);
    expect(nodesAllowlistToml([enode])).to.equal(`nodes-allowlist=[\n  "${enode}"\n]\n`);
    expect(() => enodeUrl({ publicKey: "0x12" }, "h", 1)).to.throw(BesuConfigError);
  });

  it("configures nodes for free gas, static peers, the allowlist and local JSON-RPC", function () {
    const toml = besuNodeToml({ p2pPort: 30303, rpcPort: 8545 });
    for (const line of [
      "min-gas-price=0",
      'static-nodes-file="static-nodes.json"',
      "permissions-nodes-config-file-enabled=true",
      "rpc-http-port=8545",
      'rpc-http-api=["ETH","NET","WEB3","QBFT"]',
    ]) {
      expect(toml.split("\n")).to.include(line);
    }
  });
});
