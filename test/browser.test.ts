import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { id, Wallet } from "ethers";
import { network } from "hardhat";
import type { Browser, Page } from "playwright-core";

import {
  ClaimStatus,
  ConsortiumProvider,
  EmergencyReason,
  MedchainClient,
  Purpose,
  RecordCategory,
} from "../sdk/index.js";
import { launchChromium } from "../scripts/lib/chromium.js";
import { buildWebApp, startStack, type Stack } from "../scripts/lib/stack.js";

/** Screenshots of every run land here (git-ignored); `MEDCHAIN_DOCS_SCREENSHOTS=1` also refreshes docs/images. */
const ARTIFACTS = path.join("test-artifacts", "browser");
const DOCS_IMAGES = path.join("docs", "images");

/**
 * End to end in a real browser: Debian's Chromium driven by playwright-core, against the whole local stack
 * (`./medchain stack`: a JSON-RPC node with medchain deployed and demo data, St Mary's relayer, the indexer,
 * the built web app behind one gateway). Everything a persona does goes through the page; the chain is read
 * back through the SDK to confirm it.
 */
describe("Browser: the web app against node, relayer and indexer", function () {
  this.timeout(600_000);
  let stack: Stack;
  let browser: Browser;
  let outputDirectory: string;
  let provider: ConsortiumProvider;
  let reader: MedchainClient;

  before(async function () {
    outputDirectory = await mkdtemp(path.join(tmpdir(), "medchain-stack-"));
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    const webDirectory = await buildWebApp();
    stack = await startStack(network, { outputDirectory, webDirectory });
    provider = new ConsortiumProvider(stack.node.url, { pollingInterval: 50 });
    reader = await MedchainClient.connect(provider, stack.deployment);
  });

  after(async function () {
    provider?.destroy();
    await browser?.close();
    await stack?.stop();
    if (outputDirectory !== undefined) await rm(outputDirectory, { recursive: true, force: true });
  });

  async function screenshot(page: Page, name: string, forDocs = false): Promise<void> {
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (forDocs && process.env.MEDCHAIN_DOCS_SCREENSHOTS === "1") {
      await mkdir(DOCS_IMAGES, { recursive: true });
      await copyFile(file, path.join(DOCS_IMAGES, `web-${name}.png`));
    }
  }

  async function openAs(page: Page, persona: string): Promise<void> {
    await page.goto(stack.url);
    await page.getByTestId(`persona-${persona}`).click();
    await expect(await page.getByTestId("demo-banner").isVisible()).to.equal(true);
  }

  async function switchTo(page: Page, persona: string): Promise<void> {
    await page.getByTestId("switch-persona").click();
    await page.getByTestId(`persona-${persona}`).click();
  }

  /**
   * Clicks `button` and waits for the status element `status` to end this action (`done` or `failed`) — not a
   * previous action's outcome still on screen: it must pass through a working phase or change its text.
   */
  async function submit(page: Page, button: string, status: string): Promise<{ phase: string; text: string }> {
    const element = page.getByTestId(status);
    const read = async () => ({
      phase: (await element.getAttribute("data-phase")) ?? "",
      text: (await element.innerText()).trim(),
    });
    const before = (await element.count()) > 0 ? await read() : { phase: "", text: "" };
    await page.getByTestId(button).click();
    let moved = false;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await page.waitForTimeout(50)) {
      const now = await read();
      if (now.phase !== "done" && now.phase !== "failed") moved = true;
      else if (moved || now.text !== before.text) return now;
    }
    throw new Error(`${status} did not end within 60 s after ${button}`);
  }

  /** {@link submit}, expecting `done`; names the status text (and keeps a screenshot) if it failed. */
  async function submitDone(page: Page, button: string, status: string): Promise<void> {
    const { phase, text } = await submit(page, button, status);
    if (phase !== "done") await screenshot(page, `failed-${status}`);
    expect(phase, `${status}: ${text}`).to.equal("done");
  }

  /** Harbour's clinician logs an access to one of the patient's lab results (`ref`: the record's hashed reference). */
  async function recordAccessAsHarbour(page: Page, ref: string): Promise<{ phase: string; text: string }> {
    await page.getByTestId("care-record-patient").fill(stack.seed.patientId.toString());
    await page.getByTestId("care-record-category").selectOption(String(RecordCategory.LabResult));
    await page.getByTestId("care-record-purpose").selectOption(String(Purpose.Treatment));
    await page.getByTestId("care-record-ref").fill(ref);
    return submit(page, "care-record-submit", "care-record-result");
  }

  it("a patient grants consent in the wizard, Harbour records an access, she sees it; after she revokes, Harbour is refused", async function () {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { patientId } = stack.seed;
    const harbour = 2n;
    await openAs(page, "patient");

    // The grant wizard: Harbour, lab results, treatment; signed in the page and relayed by St Mary's.
    await page.getByTestId("tab-grants").click();
    await page.getByTestId("wizard-member").selectOption(String(harbour));
    await page.getByTestId(`wizard-categories-${RecordCategory.LabResult}`).check();
    await page.getByTestId(`wizard-purposes-${Purpose.Treatment}`).check();
    await screenshot(page, "grant-wizard", true);
    await submitDone(page, "wizard-submit", "wizard-status");
    await page.locator(`[data-testid="grant-row"][data-grantee="${harbour}"]`).waitFor();
    expect(
      await reader.consent.isAuthorized(patientId, harbour, RecordCategory.LabResult, Purpose.Treatment),
      "the chain holds the grant",
    ).to.equal(true);

    // Harbour's clinician records an access to a lab result.
    await switchTo(page, "harbour-clinician");
    expect(await recordAccessAsHarbour(page, id("glucose 2026-11-20"))).to.include({ phase: "done" });

    // The patient's timeline shows it (from the indexer), beside the seeded break-glass access.
    await switchTo(page, "patient");
    await page.getByTestId("tab-access").click();
    const rows = page.getByTestId("access-row");
    await rows.nth(2).waitFor();
    expect(await rows.count()).to.equal(3);
    expect(await rows.first().getAttribute("data-break-glass")).to.equal("false");
    expect(await rows.first().innerText()).to.match(/Harbour/);
    expect(await page.locator('[data-testid="access-row"][data-break-glass="true"]').count()).to.equal(1);
    expect(await page.getByTestId("break-glass-marker").count()).to.be.greaterThan(0);
    await screenshot(page, "access-timeline", true);

    // She revokes Harbour with one tap; Harbour's next access is refused by the chain.
    await page.getByTestId("tab-grants").click();
    await submitDone(page, `revoke-${harbour}`, "revoke-status");
    expect(await reader.consent.isAuthorized(patientId, harbour, RecordCategory.LabResult, Purpose.Treatment)).to.equal(
      false,
    );
    await switchTo(page, "harbour-clinician");
    const refused = await recordAccessAsHarbour(page, id("glucose 2026-11-21"));
    expect(refused.phase).to.equal("failed");
    expect(refused.text).to.match(/not authori[sz]ed|no consent|not granted/i);
    await screenshot(page, "care-team-refused");
    const accesses = await reader.consent.accessLog({ patientId });
    expect(accesses.filter((entry) => entry.memberId === harbour && !entry.underBreakGlass)).to.have.length(1);
    await page.close();
  });

  it("Harbour's clinician checks authorisation, opens break-glass and logs an access under it; the patient opts out of research", async function () {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { patientId } = stack.seed;
    const harbour = 2n;
    await openAs(page, "harbour-clinician");

    // No grant covers Harbour now (the first test's grant was revoked): the page says so, as the chain does.
    await page.getByTestId("care-check-patient").fill(patientId.toString());
    await page.getByTestId("care-check-category").selectOption(String(RecordCategory.Allergy));
    await page.getByTestId("care-check-purpose").selectOption(String(Purpose.Treatment));
    expect((await submit(page, "care-check-submit", "care-check-result")).text).to.match(/^Not authorised/);

    // The patient arrives unconscious: break-glass, then an access logged under it.
    await page.getByTestId("care-break-glass-patient").fill(patientId.toString());
    await page.getByTestId("care-break-glass-reason").selectOption(String(EmergencyReason.Unconscious));
    await submitDone(page, "care-break-glass-submit", "care-break-glass-result");
    // Break-glass is not consent: the check says the emergency access covers treatment, until it ends.
    expect((await submit(page, "care-check-submit", "care-check-result")).text).to.match(
      /emergency access is open until/,
    );
    await page.getByTestId("care-record-patient").fill(patientId.toString());
    await page.getByTestId("care-record-category").selectOption(String(RecordCategory.Allergy));
    await page.getByTestId("care-record-purpose").selectOption(String(Purpose.Treatment));
    await submitDone(page, "care-record-submit", "care-record-result");
    expect(await page.getByTestId("care-record-result").innerText()).to.match(/under emergency access/);
    const underBreakGlass = (await reader.consent.accessLog({ patientId })).filter(
      (entry) => entry.memberId === harbour && entry.underBreakGlass,
    );
    expect(underBreakGlass, "the seeded break-glass access and this one").to.have.length(2);
    await screenshot(page, "care-team-break-glass", true);

    // The patient withholds all her data from research: signed in the page, relayed, on chain at once.
    await switchTo(page, "patient");
    await page.getByTestId("tab-optOut").click();
    await page.getByTestId("opt-out-wholly").check();
    await submitDone(page, "opt-out-save", "opt-out-status");
    expect((await reader.contracts.researchOptOutRegistry.getOptOut(patientId)).wholly).to.equal(true);
    expect(await reader.contracts.researchOptOutRegistry.isOptedOut(patientId, RecordCategory.LabResult)).to.equal(
      true,
    );
    await page.close();
  });

  it("the patient verifies a record from its proof bundle; a changed file is refused with a clear message", async function () {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openAs(page, "patient");
    await page.getByTestId("tab-verify").click();
    const { file, proofBundleFile } = stack.seed.demoRecord;
    await page.getByTestId("verify-record-input").setInputFiles(file);
    await page.getByTestId("verify-bundle-input").setInputFiles(proofBundleFile);
    await page.getByTestId("verify-submit").click();
    const result = page.getByTestId("verify-result");
    await page.locator('[data-testid="verify-result"][data-valid]').waitFor();
    expect(await result.getAttribute("data-valid")).to.equal("true");
    await screenshot(page, "verify-valid", true);

    const tampered = path.join(outputDirectory, "lab-result-changed.json");
    const resource = JSON.parse(await readFile(file, "utf8")) as { valueQuantity: { value: number } };
    resource.valueQuantity.value += 40;
    await writeFile(tampered, JSON.stringify(resource, null, 2));
    await page.getByTestId("verify-record-input").setInputFiles(tampered);
    await page.getByTestId("verify-submit").click();
    await page.locator('[data-testid="verify-result"][data-valid="false"]').waitFor();
    expect(await result.innerText()).to.match(/does not match|不符/i);
    await page.close();
  });

  it("the insurer reviews the seeded claim, approves part of it and marks it paid; the patient sees the status", async function () {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { claimId } = stack.seed;
    await openAs(page, "insurer");
    await screenshot(page, "insurer-queue");
    await page.locator(`[data-testid="queue-row"][data-claim-id="${claimId}"]`).waitFor();
    await page.getByTestId(`queue-open-${claimId}`).click();
    await submitDone(page, "action-start-review", "claim-action-status");
    await page.getByTestId("action-partial-amount").fill("38000");
    await submitDone(page, "action-partial", "claim-action-status");
    await page.getByTestId("action-pay-reference").fill("transfer 2026-12-01");
    await submitDone(page, "action-pay", "claim-action-status");
    await screenshot(page, "insurer-claim", true);
    const claim = await reader.contracts.claimRegistry.getClaim(claimId);
    expect(claim.status).to.equal(BigInt(ClaimStatus.Paid));
    expect(claim.approvedAmount).to.equal(3_800_000n);

    await switchTo(page, "patient");
    await page.getByTestId("tab-claims").click();
    const row = page.getByTestId("patient-claim-row").first();
    await row.waitFor();
    expect(await row.innerText()).to.match(/Paid/);
    await page.close();
  });

  it("works in Traditional Chinese, by keyboard alone, on a phone-sized screen", async function () {
    const page = await browser.newPage({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    await page.goto(stack.url);
    await page.getByTestId("language-toggle").click();
    expect(await page.getAttribute("html", "lang")).to.equal("zh-TW");
    expect(await page.getByTestId("persona-patient").innerText()).to.include("林美玲");
    // Keyboard only: Tab reaches the patient persona and Enter opens her page.
    let focused = "";
    for (let presses = 0; presses < 30 && focused !== "persona-patient"; presses++) {
      await page.keyboard.press("Tab");
      focused = String(await page.evaluate('document.activeElement?.getAttribute("data-testid") ?? ""'));
    }
    expect(focused).to.equal("persona-patient");
    await page.keyboard.press("Enter");
    await page.getByTestId("tab-access").click();
    await page.getByTestId("access-row").first().waitFor();
    const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
    expect(overflow, "no horizontal scrolling at 375 px").to.be.at.most(0);
    await screenshot(page, "phone-zh-TW", true);
    await page.close();
  });

  it("says so clearly when the chain cannot be reached, a record reference is not a hash, or config.json is broken", async function () {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route("**/rpc", (route) => route.abort("connectionrefused"));
    await openAs(page, "harbour-clinician");
    await page.getByTestId("care-check-patient").fill(stack.seed.patientId.toString());
    await page.getByTestId("care-check-submit").click();
    await page.getByTestId("service-banner-chain").waitFor();
    expect(await page.getByTestId("service-banner-chain").innerText()).to.match(/chain|區塊鏈/i);
    await page.unroute("**/rpc");
    const badReference = await recordAccessAsHarbour(page, "glucose, Tuesday");
    expect(badReference.phase).to.equal("failed");
    expect(badReference.text).to.match(/0x and 64 hex digits/);
    await page.close();

    const broken = await browser.newPage();
    await broken.route("**/config.json", (route) =>
      route.fulfill({ status: 200, contentType: "application/json", body: '{"chainId": 7}' }),
    );
    await broken.goto(stack.url);
    await broken.getByTestId("config-error").waitFor();
    expect(await broken.getByTestId("config-error").innerText()).to.match(/config\.json/);
    await broken.close();
  });

  it("config.json's patient persona is the patient the stack registered, with her own demo key", async function () {
    const patient = stack.config.personas.find((persona) => persona.role === "patient");
    expect(patient?.patientId).to.equal(stack.seed.patientId.toString());
    const account = new Wallet(patient!.privateKey).address;
    expect((await reader.patients.get(stack.seed.patientId)).account).to.equal(account);
  });
});
