import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import GovernanceModule from "./Governance.js";
import { deployUupsProxy } from "./uups.js";

/** Three days: long enough for a patient to notice a recovery they did not ask for and cancel it. */
export const DEFAULT_RECOVERY_DELAY_SECONDS = 3 * 24 * 60 * 60;

/**
 * The PatientRegistry behind a UUPS proxy, governed by the consortium authority. Its restricted selectors
 * (`setRecoveryDelay`, upgrades) stay with the admin role.
 *
 * Parameters (module "Identity"):
 * - `recoveryDelay` seconds a registrar's key recovery waits for the patient to object (default 3 days)
 */
export default buildModule("Identity", (m) => {
  const { authority, memberRegistry } = m.useModule(GovernanceModule);
  const recoveryDelay = m.getParameter("recoveryDelay", DEFAULT_RECOVERY_DELAY_SECONDS);

  const { implementation: patientRegistryImplementation, proxy: patientRegistry } = deployUupsProxy(
    m,
    "PatientRegistry",
    [memberRegistry],
    [authority, recoveryDelay],
  );

  return { patientRegistry, patientRegistryImplementation };
});
