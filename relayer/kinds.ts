/**
 * What differs between the kinds of signed request once parsed: which nonce the signature must carry, which
 * digest it signs, which delegate scope makes a signer able to act, how the call is simulated and sent, and
 * what the answer reports. The relayer (relayer.ts) runs the same checks over these for every kind.
 */
import {
  claimAuthorizationDigest,
  claimDomain,
  consentDomain,
  DelegateScope,
  grantDigest,
  optOutDigest,
  optOutDomain,
  revokeDigest,
  thirdPartyGrantDigest,
  type MedchainClient,
} from "../sdk/index.js";
import type { ParsedRelay, RelayKind } from "./wire.js";

/** What every relayed request returns. */
interface RelayedBase {
  transactionHash: string;
  blockNumber: number;
  /** The patient's id, a decimal string. */
  patientId: string;
  /** True when this signature was relayed before and this is the first answer again. */
  replayed: boolean;
}

/**
 * What a relayed request returns, by kind: the grantee for consent requests, the objection set for an
 * opt-out, the new claim's id (and its provider and insurer) for a claim.
 */
export type RelayResult = RelayedBase &
  (
    | { kind: "grant" | "revoke" | "third-party-grant"; grantee: string }
    | { kind: "opt-out"; wholly: boolean; categories: number; permissions: number }
    | { kind: "claim"; claimId: string; provider: string; insurer: string }
  );

/** The chain-facing operations of one parsed request. */
export interface KindOperations {
  /** The delegate scope a signer other than the patient needs, and its name for messages. */
  scope: { bit: number; name: string };
  /** The patient's current nonce for this kind (each registry keeps its own). */
  currentNonce(): Promise<bigint>;
  /** The EIP-712 digest the signer must have signed. */
  digest(): string;
  /** Runs the call without sending it (rejects with the contract's error). */
  simulate(): Promise<void>;
  /** Sends the call with the relayer's key and waits for the receipt. */
  send(): Promise<RelayResult>;
}

const SCOPES: Record<RelayKind, { bit: number; name: string }> = {
  grant: { bit: DelegateScope.Consent, name: "consent" },
  revoke: { bit: DelegateScope.Consent, name: "consent" },
  "third-party-grant": { bit: DelegateScope.Consent, name: "consent" },
  "opt-out": { bit: DelegateScope.Research, name: "research" },
  claim: { bit: DelegateScope.Claims, name: "claims" },
};

/** The operations of `parsed` over `client` (connected with the relayer's operator key). */
export function operationsOf(client: MedchainClient, parsed: ParsedRelay): KindOperations {
  const { contracts, deployment } = client;
  const scope = SCOPES[parsed.kind];
  const consent = consentDomain({ chainId: deployment.chainId, verifyingContract: deployment.consentRegistry });
  const mined = (receipt: { hash: string; blockNumber: number }, patientId: bigint) => ({
    transactionHash: receipt.hash,
    blockNumber: receipt.blockNumber,
    patientId: patientId.toString(),
    replayed: false,
  });
  switch (parsed.kind) {
    case "grant": {
      const { signed } = parsed;
      return {
        scope,
        currentNonce: () => contracts.consentRegistry.nonces(signed.request.patientId),
        digest: () => grantDigest(consent, signed.request, signed.signer, signed.nonce, signed.deadline),
        simulate: async () => void (await contracts.consentRegistry.grantBySig.staticCall(signed)),
        send: async () => {
          const { receipt } = await (await client.consent.relayGrant(signed)).wait();
          return {
            kind: parsed.kind,
            ...mined(receipt, signed.request.patientId),
            grantee: signed.request.grantee.toString(),
          };
        },
      };
    }
    case "revoke": {
      const { signed } = parsed;
      return {
        scope,
        currentNonce: () => contracts.consentRegistry.nonces(signed.request.patientId),
        digest: () => revokeDigest(consent, signed.request, signed.signer, signed.nonce, signed.deadline),
        simulate: async () => void (await contracts.consentRegistry.revokeBySig.staticCall(signed)),
        send: async () => {
          const { receipt } = await (await client.consent.relayRevoke(signed)).wait();
          return {
            kind: parsed.kind,
            ...mined(receipt, signed.request.patientId),
            grantee: signed.request.grantee.toString(),
          };
        },
      };
    }
    case "third-party-grant": {
      const { signed } = parsed;
      const { grant } = signed.request;
      return {
        scope,
        currentNonce: () => contracts.consentRegistry.nonces(grant.patientId),
        digest: () => thirdPartyGrantDigest(consent, signed.request, signed.signer, signed.nonce, signed.deadline),
        simulate: async () => void (await contracts.consentRegistry.grantThirdPartyBySig.staticCall(signed)),
        send: async () => {
          const { receipt } = await (await client.consent.relayThirdPartyGrant(signed)).wait();
          return { kind: parsed.kind, ...mined(receipt, grant.patientId), grantee: grant.grantee.toString() };
        },
      };
    }
    case "opt-out": {
      const { signed } = parsed;
      const { request } = signed;
      const domain = optOutDomain({
        chainId: deployment.chainId,
        verifyingContract: deployment.researchOptOutRegistry,
      });
      return {
        scope,
        currentNonce: () => contracts.researchOptOutRegistry.optOutNonce(request.patientId),
        digest: () => optOutDigest(domain, signed),
        simulate: async () => void (await contracts.researchOptOutRegistry.setOptOutBySig.staticCall(signed)),
        send: async () => {
          const { receipt } = await (await client.research.setOptOutBySig(signed)).wait();
          return {
            kind: parsed.kind,
            ...mined(receipt, request.patientId),
            wholly: request.wholly,
            categories: request.categories,
            permissions: request.permissions,
          };
        },
      };
    }
    case "claim": {
      const { submission, provider, authorization } = parsed;
      const domain = claimDomain({ chainId: deployment.chainId, verifyingContract: deployment.claimRegistry });
      return {
        scope,
        currentNonce: () => contracts.claimRegistry.claimNonces(submission.patientId),
        digest: () =>
          claimAuthorizationDigest(
            domain,
            submission,
            provider,
            authorization.signer,
            authorization.nonce,
            authorization.deadline,
          ),
        simulate: async () =>
          void (await contracts.claimRegistry.submitClaimWithAuthorization.staticCall(submission, authorization)),
        send: async () => {
          const { receipt, claimId } = await (await client.claims.submit(submission, { authorization })).wait();
          return {
            kind: parsed.kind,
            ...mined(receipt, submission.patientId),
            claimId,
            provider: provider.toString(),
            insurer: submission.insurer.toString(),
          };
        },
      };
    }
  }
}
