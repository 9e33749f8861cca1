import type { Interface } from "ethers";

import { ConsortiumRole } from "../../sdk/codes.js";
import {
  ConsentRegistry__factory,
  MemberRegistry__factory,
  StudyRegistry__factory,
} from "../../typechain-types/index.js";

/**
 * Which consortium role may call which restricted selector. Anything restricted and not listed here
 * (upgrades, `setRecoveryDelay`, `setBreakGlassDuration`, the authority's own functions) belongs to the admin role, which is
 * `AccessManager`'s default. `test/access-control.test.ts` checks the outcome independently.
 */
function selectors(contractInterface: Interface, names: string[]): string[] {
  return names.map((name) => {
    const fragment = contractInterface.getFunction(name);
    if (fragment === null) throw new Error(`no function ${name} in the contract's ABI`);
    return fragment.selector;
  });
}

const memberRegistryInterface = MemberRegistry__factory.createInterface();

/** MemberRegistry selectors of the membership council (admit, reinstate, remove, first operators). */
export const MEMBERSHIP_SELECTORS = selectors(memberRegistryInterface, [
  "addMember",
  "updateMemberMetadata",
  "reinstateMember",
  "removeMember",
  "addOperator",
]);

/** MemberRegistry selectors of the guardian (the emergency brake: no delay). */
export const GUARDIAN_SELECTORS = selectors(memberRegistryInterface, ["suspendMember", "removeOperator"]);

/** ConsentRegistry selectors of the guardian: taking (or giving back) an organisation's break-glass right. */
export const CONSENT_GUARDIAN_SELECTORS = selectors(ConsentRegistry__factory.createInterface(), [
  "setBreakGlassAllowed",
]);

/** StudyRegistry selectors of the research oversight role (its decisions on studies). */
export const OVERSIGHT_SELECTORS = selectors(StudyRegistry__factory.createInterface(), [
  "approveStudy",
  "suspendStudy",
  "reinstateStudy",
  "closeStudy",
]);

export { ConsortiumRole };
