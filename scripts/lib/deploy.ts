import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";

import { DEFAULT_BREAK_GLASS_DURATION_SECONDS } from "../../ignition/modules/Consent.js";
import { DEFAULT_RECOVERY_DELAY_SECONDS } from "../../ignition/modules/Identity.js";
import MedchainModule from "../../ignition/modules/Medchain.js";
import {
  ClaimRegistry__factory,
  ConsentRegistry__factory,
  ConsortiumAuthority__factory,
  MemberRegistry__factory,
  PatientRegistry__factory,
  RecordRegistry__factory,
  type ClaimRegistry,
  type ConsentRegistry,
  type ConsortiumAuthority,
  type MemberRegistry,
  type PatientRegistry,
  type RecordRegistry,
} from "../../typechain-types/index.js";

export type Connection = NetworkConnection<"generic">;

/** Deployment options a test may vary; everything else is the production module's default. */
export interface DeployOptions {
  adminExecutionDelay?: number;
  membershipExecutionDelay?: number;
  recoveryDelay?: number;
  breakGlassDuration?: number;
}

/** The system as the Ignition module deploys it, with the accounts holding the consortium roles. */
export interface Deployment {
  authority: ConsortiumAuthority;
  memberRegistry: MemberRegistry;
  patientRegistry: PatientRegistry;
  consentRegistry: ConsentRegistry;
  recordRegistry: RecordRegistry;
  claimRegistry: ClaimRegistry;
  deployer: HardhatEthersSigner;
  admin: HardhatEthersSigner;
  council: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  signers: HardhatEthersSigner[];
}

/**
 * Deploys the whole system with the Ignition module production uses, on the connection's network.
 * Accounts: 0 deploys (and gives up all power), 1 is the consortium admin, 2 the membership council,
 * 3 the guardian; the rest are returned in `signers` for the story's people.
 */
export async function deployMedchain(connection: Connection, options: DeployOptions = {}): Promise<Deployment> {
  const signers = await connection.ethers.getSigners();
  const [deployer, admin, council, guardian] = signers;
  if (deployer === undefined || admin === undefined || council === undefined || guardian === undefined) {
    throw new Error("the test network needs at least four accounts");
  }
  const deployed = await connection.ignition.deploy(MedchainModule, {
    parameters: {
      Medchain: { admin: admin.address, adminExecutionDelay: options.adminExecutionDelay ?? 0 },
      Governance: {
        membershipCouncil: council.address,
        membershipExecutionDelay: options.membershipExecutionDelay ?? 0,
        guardian: guardian.address,
      },
      Identity: { recoveryDelay: options.recoveryDelay ?? DEFAULT_RECOVERY_DELAY_SECONDS },
      Consent: { breakGlassDuration: options.breakGlassDuration ?? DEFAULT_BREAK_GLASS_DURATION_SECONDS },
    },
  });
  return {
    authority: ConsortiumAuthority__factory.connect(await deployed.authority.getAddress(), deployer),
    memberRegistry: MemberRegistry__factory.connect(await deployed.memberRegistry.getAddress(), deployer),
    patientRegistry: PatientRegistry__factory.connect(await deployed.patientRegistry.getAddress(), deployer),
    consentRegistry: ConsentRegistry__factory.connect(await deployed.consentRegistry.getAddress(), deployer),
    recordRegistry: RecordRegistry__factory.connect(await deployed.recordRegistry.getAddress(), deployer),
    claimRegistry: ClaimRegistry__factory.connect(await deployed.claimRegistry.getAddress(), deployer),
    deployer,
    admin,
    council,
    guardian,
    signers: signers.slice(4),
  };
}
