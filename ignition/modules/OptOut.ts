import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import GovernanceModule from "./Governance.js";
import IdentityModule from "./Identity.js";
import { deployUupsProxy } from "./uups.js";

/**
 * The ResearchOptOutRegistry behind a UUPS proxy, over the patient registry. Only patients (and delegates
 * with the Research scope) change opt-outs; it wires no role selector, so upgrades stay with the admin role.
 * The ConsentRegistry reads it for every research purpose (`ignition/modules/Consent.ts`).
 */
export default buildModule("OptOut", (m) => {
  const { authority } = m.useModule(GovernanceModule);
  const { patientRegistry } = m.useModule(IdentityModule);

  const { implementation: researchOptOutRegistryImplementation, proxy: researchOptOutRegistry } = deployUupsProxy(
    m,
    "ResearchOptOutRegistry",
    [patientRegistry],
    [authority],
  );

  return { researchOptOutRegistry, researchOptOutRegistryImplementation };
});
