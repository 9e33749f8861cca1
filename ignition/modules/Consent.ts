import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import GovernanceModule from "./Governance.js";
import IdentityModule from "./Identity.js";
import OptOutModule from "./OptOut.js";
import { CONSENT_GUARDIAN_SELECTORS, ConsortiumRole } from "./roles.js";
import { deployUupsProxy } from "./uups.js";

/** Four hours: long enough for an emergency department episode, short enough to force consent afterwards. */
export const DEFAULT_BREAK_GLASS_DURATION_SECONDS = 4 * 60 * 60;

/**
 * The ConsentRegistry behind a UUPS proxy, over the member, patient and research opt-out registries (it
 * refuses research purposes to patients who opted out). The guardian may take an organisation's break-glass right at
 * once; `setBreakGlassDuration` and upgrades stay with the admin role.
 *
 * Parameters (module "Consent"):
 * - `breakGlassDuration` seconds an emergency access lasts (default 4 hours; bounds 15 minutes – 72 hours)
 */
export default buildModule("Consent", (m) => {
  const { authority, memberRegistry } = m.useModule(GovernanceModule);
  const { patientRegistry } = m.useModule(IdentityModule);
  const { researchOptOutRegistry } = m.useModule(OptOutModule);
  const breakGlassDuration = m.getParameter("breakGlassDuration", DEFAULT_BREAK_GLASS_DURATION_SECONDS);

  const { implementation: consentRegistryImplementation, proxy: consentRegistry } = deployUupsProxy(
    m,
    "ConsentRegistry",
    [memberRegistry, patientRegistry, researchOptOutRegistry],
    [authority, breakGlassDuration],
  );

  m.call(authority, "setTargetFunctionRole", [consentRegistry, CONSENT_GUARDIAN_SELECTORS, ConsortiumRole.Guardian], {
    id: "ConsentRegistryGuardianSelectors",
  });

  return { consentRegistry, consentRegistryImplementation };
});
