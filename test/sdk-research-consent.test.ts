import { expect } from "chai";
import { type TypedDataDomain, ZeroHash } from "ethers";
import { network } from "hardhat";

import {
  categoryMask,
  ExplicitOptIn,
  MemberKind,
  Purpose,
  purposeMask,
  RecordCategory,
  RequesterClass,
} from "../sdk/codes.js";
import {
  consentDomain,
  signThirdPartyGrant,
  thirdPartyGrantDigest,
  thirdPartyGrantRequest,
  type ThirdPartyGrantRequest,
} from "../sdk/consent.js";
import { MedchainInputError } from "../sdk/errors.js";
import { buildConsortium, type Consortium } from "./helpers/fixtures.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;

const ONE_DAY = 86_400n;

/** The fixtures' consortium with a research institute (member 4) and a company (member 5). */
interface ResearchConsortium extends Consortium {
  domain: TypedDataDomain;
  researchInstituteId: bigint;
  companyId: bigint;
}

async function researchConsortium(): Promise<ResearchConsortium> {
  const c = await buildConsortium(connection);
  const asCouncil = c.memberRegistry.connect(c.council);
  await asCouncil.addMember(MemberKind.ResearchInstitute, `0x${"4e".repeat(32)}`);
  await asCouncil.addMember(MemberKind.Company, `0x${"c0".repeat(32)}`);
  const { chainId } = await connection.ethers.provider.getNetwork();
  const domain = consentDomain({ chainId, verifyingContract: await c.consentRegistry.getAddress() });
  return { ...c, domain, researchInstituteId: 4n, companyId: 5n };
}

async function marketingRequest(c: ResearchConsortium): Promise<ThirdPartyGrantRequest> {
  return thirdPartyGrantRequest({
    grant: {
      patientId: c.patientId,
      grantee: c.companyId,
      categories: categoryMask(RecordCategory.Medication, RecordCategory.LabResult),
      purposes: purposeMask(Purpose.Marketing),
      now: BigInt(await time.latest()),
      durationSeconds: 90n * ONE_DAY,
    },
    granteeKind: MemberKind.Company,
    requesterClass: RequesterClass.Commercial,
    optIns: [ExplicitOptIn.CommercialUse],
  });
}

/** The error `action` throws, which must be a {@link MedchainInputError}. */
function inputErrorOf(action: () => unknown): MedchainInputError {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(MedchainInputError);
    return error as MedchainInputError;
  }
  throw new Error("expected a MedchainInputError");
}

describe("SDK: third-party grants", function () {
  it("computes the contract's thirdPartyGrantDigest for several requests, nonces, deadlines and signers", async function () {
    const c = await networkHelpers.loadFixture(researchConsortium);
    const now = BigInt(await time.latest());
    const marketing = await marketingRequest(c);
    const requests: ThirdPartyGrantRequest[] = [
      marketing,
      { ...marketing, requesterClass: RequesterClass.Academic, optIns: 0 },
      {
        grant: {
          patientId: 2n ** 64n - 1n,
          grantee: 2n ** 32n - 1n,
          categories: 2 ** 32 - 1,
          purposes: 2 ** 16 - 1,
          notBefore: 0n,
          expiresAt: 2n ** 64n - 1n,
          consentFormHash: `0x${"ab".repeat(32)}`,
        },
        requesterClass: RequesterClass.Commercial,
        optIns: 255,
      },
    ];
    for (const request of requests) {
      for (const nonce of [0n, 2n ** 256n - 1n]) {
        for (const deadline of [0n, now + ONE_DAY]) {
          for (const signer of [c.patient.address, c.stranger.address]) {
            expect(await c.consentRegistry.thirdPartyGrantDigest(request, signer, nonce, deadline)).to.equal(
              thirdPartyGrantDigest(c.domain, request, signer, nonce, deadline),
            );
          }
        }
      }
    }
    // Not the plain grant's digest of the same grant.
    expect(thirdPartyGrantDigest(c.domain, marketing, c.patient.address, 0n, now)).to.not.equal(
      await c.consentRegistry.grantDigest(marketing.grant, c.patient.address, 0n, now),
    );
  });

  it("relays a patient's signed third-party grant through grantThirdPartyBySig, once", async function () {
    const c = await networkHelpers.loadFixture(researchConsortium);
    const request = await marketingRequest(c);
    const deadline = BigInt(await time.latest()) + ONE_DAY;
    const nonce = await c.consentRegistry.nonces(c.patientId);
    const signed = await signThirdPartyGrant(c.patient, c.domain, request, nonce, deadline);

    const relayer = c.consentRegistry.connect(c.stranger);
    await expect(relayer.grantThirdPartyBySig(signed))
      .to.emit(c.consentRegistry, "ConsentGranted")
      .withArgs(
        c.patientId,
        c.companyId,
        c.patient.address,
        request.grant.categories,
        request.grant.purposes,
        request.grant.notBefore,
        request.grant.expiresAt,
        ZeroHash,
      )
      .and.to.emit(c.consentRegistry, "ThirdPartyTermsSet")
      .withArgs(c.patientId, c.companyId, RequesterClass.Commercial, ExplicitOptIn.CommercialUse);

    const terms = await c.consentRegistry.getThirdPartyTerms(c.patientId, c.companyId);
    expect([terms.thirdParty, terms.requesterClass, terms.optIns]).to.deep.equal([
      true,
      BigInt(RequesterClass.Commercial),
      BigInt(ExplicitOptIn.CommercialUse),
    ]);
    expect(await c.consentRegistry.isAuthorized(c.patientId, c.companyId, RecordCategory.LabResult, Purpose.Marketing))
      .to.be.true;
    expect(
      await c.consentRegistry.isAuthorizedForUse(
        c.patientId,
        c.companyId,
        RecordCategory.LabResult,
        Purpose.Marketing,
        ExplicitOptIn.IdentifiableData,
      ),
    ).to.be.false;
    await expect(relayer.grantThirdPartyBySig(signed))
      .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryInvalidNonce")
      .withArgs(c.patientId, nonce + 1n, nonce);
  });

  it("refuses research to the institute once the patient opts out, and allows it again after she opts back in", async function () {
    const c = await networkHelpers.loadFixture(researchConsortium);
    const request = thirdPartyGrantRequest({
      grant: {
        patientId: c.patientId,
        grantee: c.researchInstituteId,
        categories: categoryMask(RecordCategory.LabResult),
        purposes: purposeMask(Purpose.Research, Purpose.BiomedicalResearch),
        now: BigInt(await time.latest()),
        durationSeconds: 365n * ONE_DAY,
      },
      granteeKind: MemberKind.ResearchInstitute,
      requesterClass: RequesterClass.Academic,
    });
    await c.consentRegistry.connect(c.patient).grantThirdParty(request);
    const research = () =>
      c.consentRegistry.isAuthorized(
        c.patientId,
        c.researchInstituteId,
        RecordCategory.LabResult,
        Purpose.BiomedicalResearch,
      );
    expect(await research()).to.be.true;
    await c.researchOptOutRegistry.connect(c.patient).setOptOut(c.patientId, true, 0, 0);
    expect(await research()).to.be.false;
    await c.researchOptOutRegistry.connect(c.patient).setOptOut(c.patientId, false, 0, 0);
    expect(await research()).to.be.true;
  });

  it("refuses, before signing, a requester class the grantee's kind may not act as", async function () {
    const c = await networkHelpers.loadFixture(researchConsortium);
    const grant = {
      patientId: c.patientId,
      grantee: c.companyId,
      categories: categoryMask(RecordCategory.LabResult),
      purposes: purposeMask(Purpose.Research),
      now: BigInt(await time.latest()),
      durationSeconds: ONE_DAY,
    };
    const error = inputErrorOf(() =>
      thirdPartyGrantRequest({ grant, granteeKind: MemberKind.Company, requesterClass: RequesterClass.Academic }),
    );
    expect(error.field).to.equal("requesterClass");
    expect(error.shortMessage).to.equal("a Company may not act as requester class Academic");
  });

  it("refuses, before signing, commercial use without the CommercialUse opt-in, and undefined opt-ins", async function () {
    const c = await networkHelpers.loadFixture(researchConsortium);
    const grant = {
      patientId: c.patientId,
      grantee: c.researchInstituteId,
      categories: categoryMask(RecordCategory.LabResult),
      purposes: purposeMask(Purpose.Marketing),
      now: BigInt(await time.latest()),
      durationSeconds: ONE_DAY,
    };
    const forMarketing = inputErrorOf(() =>
      thirdPartyGrantRequest({
        grant,
        granteeKind: MemberKind.ResearchInstitute,
        requesterClass: RequesterClass.NonProfit,
        optIns: [ExplicitOptIn.IdentifiableData],
      }),
    );
    expect(forMarketing.field).to.equal("optIns");
    const byACompany = inputErrorOf(() =>
      thirdPartyGrantRequest({
        grant: { ...grant, grantee: c.companyId, purposes: purposeMask(Purpose.Research) },
        granteeKind: MemberKind.Company,
        requesterClass: RequesterClass.Commercial,
      }),
    );
    expect(byACompany.shortMessage).to.contain("CommercialUse opt-in");
    const undefinedOptIn = inputErrorOf(() =>
      thirdPartyGrantRequest({
        grant,
        granteeKind: MemberKind.ResearchInstitute,
        requesterClass: RequesterClass.NonProfit,
        optIns: [ExplicitOptIn.CommercialUse, 1 << 2],
      }),
    );
    expect(undefinedOptIn.shortMessage).to.equal("opt-in set 5 names opt-ins that do not exist");
    // The contract agrees: the same commercial grant without the opt-in is refused on chain.
    await expect(
      c.consentRegistry.connect(c.patient).grantThirdParty({
        grant: { ...grant, notBefore: grant.now, expiresAt: grant.now + ONE_DAY, consentFormHash: ZeroHash },
        requesterClass: RequesterClass.NonProfit,
        optIns: ExplicitOptIn.IdentifiableData,
      }),
    )
      .to.be.revertedWithCustomError(c.consentRegistry, "ConsentRegistryExplicitOptInRequired")
      .withArgs(c.patientId, c.researchInstituteId, ExplicitOptIn.CommercialUse, ExplicitOptIn.IdentifiableData);
  });
});
