import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { id, Wallet } from "ethers";
import { network } from "hardhat";
import type { Browser, Page } from "playwright-core";

import { ClaimStatus, ConsortiumProvider, MedchainClient, Purpose, RecordCategory } from "../sdk/index.js";
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

  /** Waits until the status element `testId` ends (`done` or `failed`) and returns its phase and text. */
  async function outcome(page: Page, testId: string): Promise<{ phase: string; text: string }> {
    const status = page.getByTestId(testId);
    await page
      .locator(`[data-testid="${testId}"]:is([data-phase="done"], [data-phase="failed"])`)
      .waitFor({ timeout: 60_000 });
    return { phase: (await status.getAttribute("data-phase")) ?? "", text: (await status.innerText()).trim() };
  }

  /** Expects the status element `testId` to end `done`, naming its text if it does not. */
  async function expectDone(page: Page, testId: string): Promise<void> {
    const { phase, text } = await outcome(page, testId);
    if (phase !== "done") await screenshot(page, `failed-${testId}`);
    expect(phase, `${testId}: ${text}`).to.equal("done");
  }

  /** Harbour's clinician logs an access to one of the patient's lab results (`ref`: the record's hashed reference). */
  async function recordAccessAsHarbour(page: Page, ref: string): Promise<{ phase: string; text: string }> {
    await page.getByTestId("care-record-patient").fill(stack.seed.patientId.toString());
    await page.getByTestId("care-record-category").selectOption(String(RecordCategory.LabResult));
    await page.getByTestId("care-record-purpose").selectOption(String(Purpose.Treatment));
    await page.getByTestId("care-record-ref").fill(ref);
    await page.getByTestId("care-record-submit").click();
    return outcome(page, "care-record-result");
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
    await page.getByTestId("wizard-submit").click();
    await expectDone(page, "wizard-status");
    await page.locator(`[data-testid="grant-row"][data-grantee="${harbour}"]`).waitFor();
    expect(
      await reader.consent.isAuthorized(patientId, harbour, RecordCategory.LabResult, Purpose.Treatment),
      "the chain holds the grant",
    ).to.equal(true);

    // Harbour's clinician records an access to a lab result.
    await switchTo(page, "harbour-clinician");
    await recordAccessAsHarbour(page, id("glucose 2026-11-20"));
    await expectDone(page, "care-record-result");

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
    await page.getByTestId(`revoke-${harbour}`).click();
    await expectDone(page, "revoke-status");
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
    await page.getByTestId("action-start-review").click();
    await expectDone(page, "claim-action-status");
    await page.getByTestId("action-partial-amount").fill("38000");
    await page.getByTestId("action-partial").click();
    await expectDone(page, "claim-action-status");
    await page.getByTestId("action-pay-reference").fill("transfer 2026-12-01");
    await page.getByTestId("action-pay").click();
    await expectDone(page, "claim-action-status");
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
