import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import GovernanceModule from "./Governance.js";
import { ConsortiumRole, OVERSIGHT_SELECTORS } from "./roles.js";
import { deployUupsProxy } from "./uups.js";

/**
 * The StudyRegistry behind a UUPS proxy, and the research oversight role: the body, independent of the
 * hospitals, that approves, suspends, reinstates and closes studies. Who registers studies, publishes
 * datasets and uses them is decided per call by the MemberRegistry (Researcher and DataSteward duties).
 *
 * Parameters (module "Studies"):
 * - `oversight` account holding the oversight role (default: account 1); in production the oversight
 *   board's multisig
 * - `oversightExecutionDelay` seconds the oversight role's calls wait after scheduling (default 0)
 */
export default buildModule("Studies", (m) => {
  const { authority, memberRegistry } = m.useModule(GovernanceModule);
  const oversight = m.getParameter("oversight", m.getAccount(1));
  const oversightExecutionDelay = m.getParameter("oversightExecutionDelay", 0);

  const { implementation: studyRegistryImplementation, proxy: studyRegistry } = deployUupsProxy(
    m,
    "StudyRegistry",
    [memberRegistry],
    [authority],
  );

  m.call(authority, "labelRole", [ConsortiumRole.Oversight, "OVERSIGHT"], { id: "LabelOversightRole" });
  m.call(authority, "setTargetFunctionRole", [studyRegistry, OVERSIGHT_SELECTORS, ConsortiumRole.Oversight], {
    id: "StudyRegistryOversightSelectors",
  });
  m.call(authority, "grantRole", [ConsortiumRole.Oversight, oversight, oversightExecutionDelay], {
    id: "GrantOversightRole",
  });

  return { studyRegistry, studyRegistryImplementation };
});
