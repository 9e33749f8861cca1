import path from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection, NetworkManager } from "hardhat/types/network";

import { DEFAULT_BREAK_GLASS_DURATION_SECONDS } from "../../ignition/modules/Consent.js";
import { DEFAULT_RECOVERY_DELAY_SECONDS } from "../../ignition/modules/Identity.js";
import MedchainModule, { buildMedchainModule, type InitialMember } from "../../ignition/modules/Medchain.js";
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
} from "../../typechain-types/index.js";
import { readDeployParameters, type MedchainDeployParameters } from "./deploy-parameters.js";
import { connectToLocalNode, type LocalNode } from "./local-node.js";

export type Connection = NetworkConnection<"generic">;

/** Deployment options a test may vary; everything else is the production module's default. */
export interface DeployOptions {
  adminExecutionDelay?: number;
  membershipExecutionDelay?: number;
  recoveryDelay?: number;
  breakGlassDuration?: number;
  oversightExecutionDelay?: number;
  /** Members the deployment admits with their first operators (`buildMedchainModule`); none by default. */
  initialMembers?: readonly InitialMember[];
  /**
   * Ignition's deployment id (its journal folder under `ignition/deployments/` on a node over HTTP);
   * Ignition's default `chain-<id>` unless given. A throwaway run on a long-lived node passes its own, so it
   * neither resumes nor disturbs the node's real deployment.
   */
  deploymentId?: string;
}

/** The system as the Ignition module deploys it, with the accounts holding the consortium roles. */
export interface Deployment {
  authority: ConsortiumAuthority;
  memberRegistry: MemberRegistry;
  patientRegistry: PatientRegistry;
  researchOptOutRegistry: ResearchOptOutRegistry;
  consentRegistry: ConsentRegistry;
  recordRegistry: RecordRegistry;
  claimRegistry: ClaimRegistry;
  studyRegistry: StudyRegistry;
  deployer: HardhatEthersSigner;
  admin: HardhatEthersSigner;
  council: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  /** The research oversight board (the network's last account). */
  oversight: HardhatEthersSigner;
  signers: HardhatEthersSigner[];
}

/**
 * Deploys the whole system with the Ignition module production uses, on the connection's network.
 * Accounts: 0 deploys (and gives up all power), 1 is the consortium admin, 2 the membership council,
 * 3 the guardian, the last one the research oversight board; the others are returned in `signers` for the
 * story's people.
 */
export async function deployMedchain(connection: Connection, options: DeployOptions = {}): Promise<Deployment> {
  const signers = await connection.ethers.getSigners();
  const [deployer, admin, council, guardian] = signers;
  const oversight = signers.at(-1);
  if (
    deployer === undefined ||
    admin === undefined ||
    council === undefined ||
    guardian === undefined ||
    oversight === undefined ||
    signers.length < 6
  ) {
    throw new Error("the test network needs at least six accounts");
  }
  const medchainModule =
    options.initialMembers === undefined ? MedchainModule : buildMedchainModule(options.initialMembers);
  const deployed = await connection.ignition.deploy(medchainModule, {
    ...(options.deploymentId === undefined ? {} : { deploymentId: options.deploymentId }),
    parameters: {
      Medchain: { admin: admin.address, adminExecutionDelay: options.adminExecutionDelay ?? 0 },
      Governance: {
        membershipCouncil: council.address,
        membershipExecutionDelay: options.membershipExecutionDelay ?? 0,
        guardian: guardian.address,
      },
      Identity: { recoveryDelay: options.recoveryDelay ?? DEFAULT_RECOVERY_DELAY_SECONDS },
      Studies: { oversight: oversight.address, oversightExecutionDelay: options.oversightExecutionDelay ?? 0 },
      Consent: { breakGlassDuration: options.breakGlassDuration ?? DEFAULT_BREAK_GLASS_DURATION_SECONDS },
    },
  });
  return {
    ...(await connectRegistries(deployed, deployer)),
    deployer,
    admin,
    council,
    guardian,
    oversight,
    signers: signers.slice(4, -1),
  };
}

/** An initial member as the chain holds it after the deployment, with its operators. */
export interface AdmittedMember {
  key: string;
  memberId: bigint;
  kind: bigint;
  status: bigint;
  metadataHash: string;
  operators: { account: string; memberId: bigint; duties: bigint }[];
}

/**
 * Reads `initialMembers` back from the chain: each member's id from the `MemberAdded` event carrying its
 * metadata hash (the parameter loader refuses two members with one hash), its entry, and its operators'
 * entries. Throws when a member was not admitted.
 */
export async function readAdmittedMembers(
  memberRegistry: MemberRegistry,
  initialMembers: readonly InitialMember[],
): Promise<AdmittedMember[]> {
  const added = await memberRegistry.queryFilter(memberRegistry.filters.MemberAdded());
  return Promise.all(
    initialMembers.map(async (member) => {
      const event = added.find((log) => log.args.metadataHash.toLowerCase() === member.metadataHash.toLowerCase());
      if (event === undefined) throw new Error(`initial member ${member.key} is not in the MemberRegistry`);
      const memberId = event.args.memberId;
      const entry = await memberRegistry.getMember(memberId);
      const operators = await Promise.all(
        member.operators.map(async ({ account }) => {
          const operator = await memberRegistry.getOperator(account);
          return { account, memberId: operator.memberId, duties: operator.duties };
        }),
      );
      return {
        key: member.key,
        memberId,
        kind: entry.kind,
        status: entry.status,
        metadataHash: entry.metadataHash,
        operators,
      };
    }),
  );
}

/** The registries of a deployment made from a parameter file, connected to the deploying account. */
export type DeployedRegistries = Pick<
  Deployment,
  | "authority"
  | "memberRegistry"
  | "patientRegistry"
  | "researchOptOutRegistry"
  | "consentRegistry"
  | "recordRegistry"
  | "claimRegistry"
  | "studyRegistry"
>;

/**
 * Deploys the whole system and `parameters.initialMembers` with the checked parameters of a parameter file
 * (`readDeployParameters`), as `./medchain deploy` does. Ignition's deployment id is its default,
 * `chain-<id>`; on a network other than the in-process one it journals to `ignition/deployments/chain-<id>`,
 * so a run that stopped half-way resumes.
 */
export async function deployWithParameters(
  connection: Connection,
  parameters: MedchainDeployParameters,
  options: { displayUi?: boolean } = {},
): Promise<DeployedRegistries> {
  const [deployer] = await connection.ethers.getSigners();
  if (deployer === undefined) throw new Error(`network ${connection.networkName} has no account to deploy from`);
  const deployed = await connection.ignition.deploy(buildMedchainModule(parameters.initialMembers), {
    parameters: parameters.ignitionParameters,
    displayUi: options.displayUi ?? false,
  });
  return connectRegistries(deployed, deployer);
}

/**
 * Deploys the system to a running local node (`startLocalNode`) with `ignition/parameters/localhost.json`,
 * over HTTP as to a real chain, and returns the folder Ignition journalled to
 * (`ignition/deployments/chain-<id>`, absolute) — what the SDK's `loadDeployment` reads; remove it when done.
 */
export async function deployToLocalNode(
  networkManager: NetworkManager,
  node: Pick<LocalNode, "url" | "chainId">,
): Promise<string> {
  const connection = await connectToLocalNode(networkManager, node);
  try {
    await deployWithParameters(connection, await readDeployParameters("ignition/parameters/localhost.json"));
  } finally {
    await connection.close();
  }
  return path.resolve(import.meta.dirname, "..", "..", "ignition", "deployments", `chain-${node.chainId}`);
}

/** The registries of an Ignition deployment result, typed and connected to `runner`. */
async function connectRegistries(
  deployed: Record<keyof DeployedRegistries, { getAddress(): Promise<string> }>,
  runner: HardhatEthersSigner,
): Promise<DeployedRegistries> {
  return {
    authority: ConsortiumAuthority__factory.connect(await deployed.authority.getAddress(), runner),
    memberRegistry: MemberRegistry__factory.connect(await deployed.memberRegistry.getAddress(), runner),
    patientRegistry: PatientRegistry__factory.connect(await deployed.patientRegistry.getAddress(), runner),
    researchOptOutRegistry: ResearchOptOutRegistry__factory.connect(
      await deployed.researchOptOutRegistry.getAddress(),
      runner,
    ),
    consentRegistry: ConsentRegistry__factory.connect(await deployed.consentRegistry.getAddress(), runner),
    recordRegistry: RecordRegistry__factory.connect(await deployed.recordRegistry.getAddress(), runner),
    claimRegistry: ClaimRegistry__factory.connect(await deployed.claimRegistry.getAddress(), runner),
    studyRegistry: StudyRegistry__factory.connect(await deployed.studyRegistry.getAddress(), runner),
  };
}
