import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type {
  AccountRuntimeValue,
  ContractCallFuture,
  CallableContractFuture,
  IgnitionModuleBuilder,
} from "@nomicfoundation/ignition-core";
import { getAddress } from "ethers";

import { Duty, dutyMask, MemberKind } from "../../sdk/codes.js";
import ClaimsModule from "./Claims.js";
import ConsentModule from "./Consent.js";
import GovernanceModule from "./Governance.js";
import IdentityModule from "./Identity.js";
import OptOutModule from "./OptOut.js";
import RecordsModule from "./Records.js";
import { ConsortiumRole } from "./roles.js";
import StudiesModule from "./Studies.js";

/** A member kind by its name in `sdk/codes.ts` (`"Hospital"`, `"Insurer"`, …). */
export type MemberKindName = keyof typeof MemberKind;
/** A duty by its name in `sdk/codes.ts` (`"OrgAdmin"`, `"Registrar"`, …). */
export type DutyName = keyof typeof Duty;

/** One of an initial member's first operator accounts and the duties it performs for the member. */
export interface InitialOperator {
  readonly account: string;
  readonly duties: readonly DutyName[];
}

/**
 * A consortium member admitted by the deployment itself. `key` names the member in the deployment's future
 * ids (`Medchain#AddMember_<key>`), so it must stay the same when a deployment is resumed; `metadataHash` is
 * the hash of the organisation's off-chain metadata document.
 */
export interface InitialMember {
  readonly key: string;
  readonly kind: MemberKindName;
  readonly metadataHash: string;
  readonly operators: readonly InitialOperator[];
}

/**
 * Admits `initialMembers` with their first operators. The deployer, still the authority's admin, grants
 * itself the membership role without delay, adds the members one after another (so member ids follow the
 * list's order on a fresh registry), adds each member's operators with the id read from its `MemberAdded`
 * event, then renounces the membership role. Returns the renunciation, which the admin hand-over waits for.
 */
function admitInitialMembers(
  m: IgnitionModuleBuilder,
  deployer: AccountRuntimeValue,
  authority: CallableContractFuture<"ConsortiumAuthority">,
  memberRegistry: CallableContractFuture<"MemberRegistry">,
  initialMembers: readonly InitialMember[],
): ContractCallFuture<"ConsortiumAuthority", "renounceRole"> {
  const grantMembership = m.call(authority, "grantRole", [ConsortiumRole.Membership, deployer, 0], {
    id: "GrantDeployerMembershipRole",
    after: [GovernanceModule],
  });
  const admissionSteps: ContractCallFuture<"MemberRegistry", string>[] = [];
  let previousStep: ContractCallFuture<string, string> = grantMembership;
  for (const member of initialMembers) {
    const addMember = m.call(memberRegistry, "addMember", [MemberKind[member.kind], member.metadataHash], {
      id: `AddMember_${member.key}`,
      after: [previousStep],
    });
    const memberId = m.readEventArgument(addMember, "MemberAdded", "memberId", { id: `MemberId_${member.key}` });
    admissionSteps.push(addMember);
    for (const operator of member.operators) {
      const account = getAddress(operator.account);
      const duties = dutyMask(...operator.duties.map((name) => Duty[name]));
      admissionSteps.push(
        m.call(memberRegistry, "addOperator", [account, memberId, duties], {
          id: `AddOperator_${member.key}_${account}`,
        }),
      );
    }
    previousStep = addMember;
  }
  return m.call(authority, "renounceRole", [ConsortiumRole.Membership, deployer], {
    id: "DeployerRenouncesMembershipRole",
    after: admissionSteps,
  });
}

/**
 * The whole medchain system, optionally with its initial consortium members. After every module has been
 * deployed and wired by the deploying account (and the initial members admitted, see below), the admin role
 * passes to `admin` with its execution delay and the deployer gives it up, so no hot key keeps power over
 * the consortium.
 *
 * Ignition cannot loop over a parameter's value, so the initial members are an argument of this factory,
 * not a module parameter: `./medchain deploy` reads them from the `initialMembers` list of the parameter
 * file (`scripts/lib/deploy-parameters.ts`). With members, the deployer holds the membership role only
 * while it admits them, and renounces it before handing over the admin role: at the end it holds no role.
 *
 * Parameters (module "Medchain"):
 * - `admin` the consortium admin, in production a multisig or timelock (default: account 1). It must not be
 *   the deploying account (account 0), which renounces the admin role at the end.
 * - `adminExecutionDelay` seconds every admin action waits after scheduling (default 0; production: days)
 */
export function buildMedchainModule(initialMembers: readonly InitialMember[]) {
  return buildModule("Medchain", (m) => {
    const deployer = m.getAccount(0);
    const admin = m.getParameter("admin", m.getAccount(1));
    const adminExecutionDelay = m.getParameter("adminExecutionDelay", 0);

    const { authority, memberRegistry } = m.useModule(GovernanceModule);
    const { patientRegistry } = m.useModule(IdentityModule);
    const { researchOptOutRegistry } = m.useModule(OptOutModule);
    const { consentRegistry } = m.useModule(ConsentModule);
    const { recordRegistry } = m.useModule(RecordsModule);
    const { claimRegistry } = m.useModule(ClaimsModule);
    const { studyRegistry } = m.useModule(StudiesModule);

    const membersAdmitted =
      initialMembers.length === 0 ? [] : [admitInitialMembers(m, deployer, authority, memberRegistry, initialMembers)];

    const grantAdmin = m.call(authority, "grantRole", [ConsortiumRole.Admin, admin, adminExecutionDelay], {
      id: "GrantAdminRole",
      after: [
        GovernanceModule,
        IdentityModule,
        OptOutModule,
        ConsentModule,
        RecordsModule,
        ClaimsModule,
        StudiesModule,
        ...membersAdmitted,
      ],
    });
    m.call(authority, "renounceRole", [ConsortiumRole.Admin, deployer], {
      id: "DeployerRenouncesAdminRole",
      after: [grantAdmin],
    });

    return {
      authority,
      memberRegistry,
      patientRegistry,
      researchOptOutRegistry,
      consentRegistry,
      recordRegistry,
      claimRegistry,
      studyRegistry,
    };
  });
}

/**
 * The system without initial members, so `npx hardhat ignition deploy ignition/modules/Medchain.ts` keeps
 * working. It ignores an `initialMembers` list in its parameter file: deploy with `./medchain deploy` to
 * admit them.
 */
export default buildMedchainModule([]);
