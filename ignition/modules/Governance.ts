import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ConsortiumRole, GUARDIAN_SELECTORS, MEMBERSHIP_SELECTORS } from "./roles.js";
import { deployUupsProxy } from "./uups.js";

/**
 * The consortium authority (an OpenZeppelin AccessManager) and the MemberRegistry behind a UUPS proxy,
 * wired together. The deploying account is the authority's admin while the system is wired; the Medchain
 * module hands the admin role to `admin` at the end.
 *
 * Parameters (module "Governance"):
 * - `membershipCouncil` account holding the membership role (default: account 1)
 * - `membershipExecutionDelay` seconds the council's calls wait after scheduling (default 0)
 * - `guardian` account holding the guardian role, no delay (default: account 1)
 */
export default buildModule("Governance", (m) => {
  const deployer = m.getAccount(0);
  const membershipCouncil = m.getParameter("membershipCouncil", m.getAccount(1));
  const membershipExecutionDelay = m.getParameter("membershipExecutionDelay", 0);
  const guardian = m.getParameter("guardian", m.getAccount(1));

  const authority = m.contract("ConsortiumAuthority", [deployer]);

  const { implementation: memberRegistryImplementation, proxy: memberRegistry } = deployUupsProxy(
    m,
    "MemberRegistry",
    [],
    [authority],
  );

  m.call(authority, "labelRole", [ConsortiumRole.Membership, "MEMBERSHIP"], {
    id: "LabelMembershipRole",
  });
  m.call(authority, "labelRole", [ConsortiumRole.Guardian, "GUARDIAN"], {
    id: "LabelGuardianRole",
  });
  m.call(authority, "setTargetFunctionRole", [memberRegistry, MEMBERSHIP_SELECTORS, ConsortiumRole.Membership], {
    id: "MemberRegistryMembershipSelectors",
  });
  m.call(authority, "setTargetFunctionRole", [memberRegistry, GUARDIAN_SELECTORS, ConsortiumRole.Guardian], {
    id: "MemberRegistryGuardianSelectors",
  });
  // The guardian may cancel a scheduled membership operation it objects to.
  m.call(authority, "setRoleGuardian", [ConsortiumRole.Membership, ConsortiumRole.Guardian], {
    id: "MembershipRoleGuardian",
  });
  m.call(authority, "grantRole", [ConsortiumRole.Membership, membershipCouncil, membershipExecutionDelay], {
    id: "GrantMembershipRole",
  });
  m.call(authority, "grantRole", [ConsortiumRole.Guardian, guardian, 0], {
    id: "GrantGuardianRole",
  });

  return { authority, memberRegistry, memberRegistryImplementation };
});
