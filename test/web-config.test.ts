import { expect } from "chai";

import { parseWebConfig, resolveServiceUrl, WebConfigError, type WebConfig } from "../web/src/config.js";

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;

/** A valid config.json as the stack launcher writes it. */
function validConfig(): WebConfig {
  return {
    chainId: "20260",
    rpcUrl: "/rpc",
    relayerUrl: "/relayer/",
    indexerUrl: "https://indexer.example/",
    deployment: {
      chainId: "20260",
      authority: address(1),
      memberRegistry: address(2),
      patientRegistry: address(3),
      researchOptOutRegistry: address(4),
      consentRegistry: address(5),
      recordRegistry: address(6),
      claimRegistry: address(7),
      studyRegistry: address(8),
      startBlock: 1,
    },
    members: [{ memberId: 1, kind: "Hospital", name: { en: "St Mary's", "zh-TW": "聖瑪莉醫院" } }],
    personas: [
      {
        key: "mei-ling",
        role: "patient",
        name: { en: "Mei-Ling", "zh-TW": "美玲" },
        privateKey: `0x${"5a".repeat(32)}`,
        patientId: "3",
      },
      {
        key: "officer",
        role: "insurer",
        name: { en: "Officer", "zh-TW": "理賠專員" },
        privateKey: `0x${"6b".repeat(32)}`,
        memberId: 3,
      },
    ],
    demoKeys: true,
  };
}

/** The config with one field replaced (by a JSON path of plain keys and indices). */
function withField(path: (string | number)[], value: unknown): unknown {
  const config = JSON.parse(JSON.stringify(validConfig())) as Record<string, unknown>;
  let target: Record<string | number, unknown> = config;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return config;
}

function refusal(json: unknown): WebConfigError {
  try {
    parseWebConfig(json);
  } catch (error) {
    expect(error).to.be.instanceOf(WebConfigError);
    return error as WebConfigError;
  }
  throw new Error("parseWebConfig accepted a broken config");
}

describe("Web app: config.json", function () {
  it("accepts the launcher's config and drops trailing slashes of service URLs", function () {
    const config = parseWebConfig(validConfig());
    expect(config.relayerUrl).to.equal("/relayer");
    expect(config.indexerUrl).to.equal("https://indexer.example");
    expect(config.personas[0]?.patientId).to.equal("3");
    expect(config.deployment.consentRegistry).to.equal(address(5));
  });

  it("refuses what is not an object", function () {
    expect(refusal(null).path).to.equal("");
    expect(refusal([]).message).to.contain("JSON object");
  });

  const cases: [string, (string | number)[], unknown, string][] = [
    ["a numeric chain id", ["chainId"], 20260, "chainId"],
    ["a deployment on another chain", ["deployment", "chainId"], "1", "deployment.chainId"],
    ["a malformed contract address", ["deployment", "claimRegistry"], "0x1234", "deployment.claimRegistry"],
    ["a missing contract", ["deployment", "studyRegistry"], undefined, "deployment.studyRegistry"],
    ["a negative start block", ["deployment", "startBlock"], -1, "deployment.startBlock"],
    ["an RPC URL that is neither absolute nor rooted", ["rpcUrl"], "rpc", "rpcUrl"],
    ["a member id of 0", ["members", 0, "memberId"], 0, "members[0].memberId"],
    ["a member without a Chinese name", ["members", 0, "name", "zh-TW"], undefined, 'members[0].name["zh-TW"]'],
    ["an unknown role", ["personas", 1, "role"], "auditor", "personas[1].role"],
    ["a short private key", ["personas", 0, "privateKey"], "0x1234", "personas[0].privateKey"],
    ["a patient persona without a patient id", ["personas", 0, "patientId"], undefined, "personas[0].patientId"],
    ["an insurer persona without a member id", ["personas", 1, "memberId"], undefined, "personas[1].memberId"],
    ["a repeated persona key", ["personas", 1, "key"], "mei-ling", "personas[1].key"],
    ["demoKeys as a string", ["demoKeys"], "yes", "demoKeys"],
  ];
  for (const [name, path, value, expected] of cases) {
    it(`refuses ${name}, naming ${expected}`, function () {
      const error = refusal(withField(path, value));
      expect(error.path).to.equal(expected);
      expect(error.message).to.contain(expected);
    });
  }

  it("resolves relative service URLs against the page's address", function () {
    expect(resolveServiceUrl("/relayer", "https://demo.example/app/index.html")).to.equal(
      "https://demo.example/relayer",
    );
    expect(resolveServiceUrl("https://rpc.example/x/", "https://demo.example/")).to.equal("https://rpc.example/x");
  });
});
