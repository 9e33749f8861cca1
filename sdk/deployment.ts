import { getAddress, isAddress, type ContractRunner } from "ethers";

import {
  ClaimRegistry__factory,
  ConsentRegistry__factory,
  ConsortiumAuthority__factory,
  MemberRegistry__factory,
  PatientRegistry__factory,
  RecordRegistry__factory,
  ResearchOptOutRegistry__factory,
  StudyRegistry__factory,
  type ClaimRegistry,
  type ConsentRegistry,
  type ConsortiumAuthority,
  type MemberRegistry,
  type PatientRegistry,
  type RecordRegistry,
  type ResearchOptOutRegistry,
  type StudyRegistry,
} from "../typechain-types/index.js";
import { MedchainError } from "./errors.js";

/**
 * Where a medchain system is deployed: the chain and the address of each contract (the proxies, which keep
 * their address across upgrades). Read it from Ignition's deployment folder with `loadDeployment` (`sdk/node.ts`, Node.js only).
 *
 * @example
 * ```ts
 * const deployment: MedchainDeployment = await loadDeployment("ignition/deployments/chain-2026");
 * console.log(deployment.chainId, deployment.recordRegistry);
 * ```
 */
export interface MedchainDeployment {
  chainId: bigint;
  authority: string;
  memberRegistry: string;
  patientRegistry: string;
  researchOptOutRegistry: string;
  consentRegistry: string;
  recordRegistry: string;
  claimRegistry: string;
  studyRegistry: string;
  /**
   * The block of the deployment's first transaction, where event queries start unless told otherwise
   * (`loadDeployment` reads it from Ignition's journal); block 0 when unknown.
   */
  startBlock?: number;
}

/**
 * A {@link MedchainDeployment} as JSON carries it — the chain id a decimal string, the start block a number
 * (0 when unknown) — as the indexer's deployment file and the web app's `config.json` hold it.
 *
 * @example
 * ```ts
 * const json: MedchainDeploymentJson = deploymentToJson(deployment); // { chainId: "2026", …, startBlock: 1 }
 * ```
 */
export type MedchainDeploymentJson = Omit<MedchainDeployment, "chainId" | "startBlock"> & {
  chainId: string;
  startBlock: number;
};

/**
 * The {@link MedchainDeploymentJson} of a deployment, ready for `JSON.stringify`.
 *
 * @example
 * ```ts
 * await writeFile("deployment.json", JSON.stringify(deploymentToJson(deployment), null, 2));
 * ```
 */
export function deploymentToJson(deployment: MedchainDeployment): MedchainDeploymentJson {
  return { ...deployment, chainId: deployment.chainId.toString(), startBlock: deployment.startBlock ?? 0 };
}

/**
 * The Ignition future id of each contract in `ignition/modules/Medchain.ts`'s deployment.
 *
 * @example
 * ```ts
 * const address = deployedAddresses[IGNITION_CONTRACT_IDS.recordRegistry]; // key "Records#RecordRegistry"
 * ```
 */
export const IGNITION_CONTRACT_IDS: Readonly<
  Record<Exclude<keyof MedchainDeployment, "chainId" | "startBlock">, string>
> = {
  authority: "Governance#ConsortiumAuthority",
  memberRegistry: "Governance#MemberRegistry",
  patientRegistry: "Identity#PatientRegistry",
  researchOptOutRegistry: "OptOut#ResearchOptOutRegistry",
  consentRegistry: "Consent#ConsentRegistry",
  recordRegistry: "Records#RecordRegistry",
  claimRegistry: "Claims#ClaimRegistry",
  studyRegistry: "Studies#StudyRegistry",
};

/**
 * A deployment that cannot be used: a missing or malformed file, a missing contract, another chain.
 *
 * @example
 * ```ts
 * await connectMedchain(signer, deployment).catch((error: unknown) => {
 *   if (error instanceof MedchainDeploymentError) console.error(error.shortMessage); // "wrong network: …"
 *   throw error;
 * });
 * ```
 */
export class MedchainDeploymentError extends MedchainError {
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, options);
    this.name = "MedchainDeploymentError";
  }
}

/**
 * Builds a {@link MedchainDeployment} from the contents of Ignition's `deployed_addresses.json` and the chain
 * id. Throws {@link MedchainDeploymentError} naming every contract that is missing or has no valid address.
 *
 * @example
 * ```ts
 * const deployment = deploymentFromIgnitionAddresses(JSON.parse(json), 2026n);
 * ```
 */
export function deploymentFromIgnitionAddresses(addresses: unknown, chainId: bigint): MedchainDeployment {
  if (typeof addresses !== "object" || addresses === null || Array.isArray(addresses)) {
    throw new MedchainDeploymentError("deployed_addresses.json must hold a JSON object of contract addresses");
  }
  const table = addresses as Record<string, unknown>;
  const missing: string[] = [];
  const resolved: Partial<Record<keyof typeof IGNITION_CONTRACT_IDS, string>> = {};
  for (const [name, id] of Object.entries(IGNITION_CONTRACT_IDS) as [keyof typeof IGNITION_CONTRACT_IDS, string][]) {
    const address = table[id];
    if (typeof address === "string" && isAddress(address)) resolved[name] = getAddress(address);
    else missing.push(id);
  }
  if (missing.length > 0) {
    throw new MedchainDeploymentError(
      `this deployment lacks ${missing.join(", ")}: deploy ignition/modules/Medchain.ts completely first`,
    );
  }
  return { chainId, ...(resolved as Record<keyof typeof IGNITION_CONTRACT_IDS, string>) };
}

/**
 * The deployed contracts, typed by `typechain-types`, connected to one runner (a signer or a provider).
 *
 * @example
 * ```ts
 * const { recordRegistry, consentRegistry }: MedchainContracts = await connectMedchain(signer, deployment);
 * ```
 */
export interface MedchainContracts {
  deployment: MedchainDeployment;
  authority: ConsortiumAuthority;
  memberRegistry: MemberRegistry;
  patientRegistry: PatientRegistry;
  researchOptOutRegistry: ResearchOptOutRegistry;
  studyRegistry: StudyRegistry;
  consentRegistry: ConsentRegistry;
  recordRegistry: RecordRegistry;
  claimRegistry: ClaimRegistry;
}

/**
 * Connects to a deployment after checking that the runner's network is the deployment's chain, so a
 * hospital service pointed at the wrong node fails before it signs anything. Throws
 * {@link MedchainDeploymentError} on a chain id mismatch or a runner without a provider.
 *
 * @example
 * ```ts
 * const medchain = await connectMedchain(hospitalSigner, await loadDeployment("ignition/deployments/chain-2026"));
 * await medchain.recordRegistry.anchorRecord(anchor);
 * ```
 */
export async function connectMedchain(
  runner: ContractRunner,
  deployment: MedchainDeployment,
): Promise<MedchainContracts> {
  const provider = runner.provider;
  if (provider === null || provider === undefined) {
    throw new MedchainDeploymentError("the runner has no provider: connect the signer to a node first");
  }
  const { chainId } = await provider.getNetwork();
  if (chainId !== deployment.chainId) {
    throw new MedchainDeploymentError(
      `wrong network: the node is chain ${chainId} but this deployment is on chain ${deployment.chainId}`,
    );
  }
  return {
    deployment,
    authority: ConsortiumAuthority__factory.connect(deployment.authority, runner),
    memberRegistry: MemberRegistry__factory.connect(deployment.memberRegistry, runner),
    patientRegistry: PatientRegistry__factory.connect(deployment.patientRegistry, runner),
    researchOptOutRegistry: ResearchOptOutRegistry__factory.connect(deployment.researchOptOutRegistry, runner),
    studyRegistry: StudyRegistry__factory.connect(deployment.studyRegistry, runner),
    consentRegistry: ConsentRegistry__factory.connect(deployment.consentRegistry, runner),
    recordRegistry: RecordRegistry__factory.connect(deployment.recordRegistry, runner),
    claimRegistry: ClaimRegistry__factory.connect(deployment.claimRegistry, runner),
  };
}
