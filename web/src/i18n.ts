/**
 * Every string of the web app, one typed dictionary per language. `en` defines the keys; `zhTW` must have
 * exactly the same ones (the type checker refuses a missing or extra key). Placeholders are `{name}`, filled
 * by {@link format}. Code lists (categories, purposes, claim statuses…) have one label per code, typed by the
 * SDK's code types so a new code cannot be left without a label.
 */
import type { ClaimReason, ClaimStatus, EmergencyReason, Purpose, RecordCategory } from "../../sdk/codes.js";

/** The UI languages. */
export type Language = "en" | "zh-TW";

/** The languages in the order the toggle offers them. */
export const LANGUAGES: readonly Language[] = ["zh-TW", "en"];

const en = {
  appTitle: "medchain",
  appTagline: "Consent and record proofs for the hospital consortium",
  languageToggle: "中文",
  languageToggleLabel: "Switch language to Traditional Chinese",
  skipToContent: "Skip to content",
  loadingConfig: "Loading configuration…",
  configError: "The app cannot start: {message}",
  demoBanner: "Demo keys only: these personas' private keys are public test keys. Never use them on a real chain.",
  personaHeading: "Who are you?",
  personaIntro: "Pick a persona to act as.",
  rolePatient: "Patient",
  roleCareTeam: "Care team",
  roleInsurer: "Insurer",
  switchPersona: "Switch persona",
  actingAs: "Acting as {name}",
  keySource: "Signing key",
  keyDemo: "Demo key (this persona)",
  keyWallet: "Browser wallet",
  keyWalletMissing: "No browser wallet found",
  walletConnected: "Wallet account {account}",
  walletError: "The browser wallet refused: {message}",
  serviceChain: "the chain node",
  serviceIndexer: "the indexer",
  serviceRelayer: "the relayer",
  serviceUnreachable: "Cannot reach {service}: {message}. Lists may be out of date; try again later.",
  retry: "Try again",
  refresh: "Refresh",
  loading: "Loading…",
  none: "Nothing yet.",
  patientIdLabel: "Patient id",
  memberLabel: "Organisation",
  categoryLabel: "Record category",
  purposeLabel: "Purpose",
  categoriesLabel: "Record categories",
  purposesLabel: "Purposes",
  whenLabel: "When",
  statusLabel: "Status",
  reasonLabel: "Reason",
  amountLabel: "Amount",
  memberName: "Member {id}",
  unknownCode: "Code {code}",
  txSigning: "Signing…",
  txSending: "Sending…",
  txWaiting: "Waiting for the block…",
  txIndexing: "Waiting for the indexer to catch up…",
  txDone: "Done (block {block}).",
  txFailed: "Failed: {message}",
  // Patient
  tabGrants: "Access grants",
  tabAccess: "Who looked",
  tabOptOut: "Research opt-out",
  tabClaims: "My claims",
  tabVerify: "Verify a record",
  patientSections: "Patient sections",
  grantsHeading: "Active grants",
  grantWho: "Who",
  grantUntil: "Until",
  grantFrom: "From",
  revoke: "Revoke",
  revokeLabel: "Revoke access of {name}",
  revokeConfirm: "Revoke all access of {name}?",
  wizardHeading: "Grant access",
  wizardMember: "Organisation",
  wizardChooseMember: "Choose an organisation",
  wizardFrom: "Starts",
  wizardUntil: "Ends",
  wizardConsentForm: "Signed consent form (optional)",
  wizardConsentFormHint: "The file is hashed on this device and never uploaded; only its salted hash is signed.",
  wizardConsentFormHash: "Consent form hash: {hash}",
  wizardConsentFormSalt: "Salt: {salt}. Keep it with the form: the form and this salt reproduce the signed hash.",
  wizardSubmit: "Sign and send grant",
  wizardNeedsMember: "Choose an organisation.",
  wizardNeedsCategory: "Choose at least one record category.",
  wizardNeedsPurpose: "Choose at least one purpose.",
  wizardBadWindow: "The grant must end after it starts, and in the future.",
  accessHeading: "Who looked at my data",
  accessBreakGlass: "Emergency access",
  accessOperator: "Operator {account}",
  breakGlassHeading: "Emergency access sessions",
  breakGlassEnds: "Ends {time}",
  breakGlassClosed: "Closed {time}",
  optOutHeading: "Research opt-out",
  optOutIntro: "Withhold your records from research. Treatment is never affected.",
  optOutWholly: "Opt out of all research",
  optOutCategories: "Withhold these categories from research",
  optOutSave: "Sign and save opt-out",
  optOutCurrent: "Last changed {time}",
  optOutNoRoute: "The relayer does not accept opt-out changes yet (the route is missing): {message}",
  claimsHeading: "My claims",
  claimSubmitted: "Submitted {time}",
  claimApproved: "Approved {amount}",
  verifyHeading: "Verify a record",
  verifyIntro: "Both files stay on this device: the page hashes them here and checks the proof against the chain.",
  verifyRecordFile: "Record file (FHIR JSON or document)",
  verifyBundleFile: "Proof bundle (.proof.json)",
  verifyDrop: "Drop a file here or choose one",
  verifyChosen: "Chosen: {name}",
  verifySubmit: "Verify",
  verifyNeedsFiles: "Choose both the record file and its proof bundle.",
  verifyValid: "Verified: this record is anchored on the chain.",
  verifyInvalid: "Not verified.",
  verifyStatus: "Status on chain: {status}",
  verifyAnchoredAt: "Anchored {time}",
  verifyNotAnchored: "The chain does not find this record in the batch: {reason}",
  verifyBadBundle: "The proof bundle cannot be read: {message}",
  verifyContentMismatch: "The record file does not match the proof bundle (its hash differs).",
  verifyProofMismatch: "The proof does not lead to the bundle's batch root.",
  verifyOffline:
    "The file matches the bundle and its proof leads to the batch root (checked on this device), but the chain could not be asked whether the batch is anchored: {message}",
  // Care team
  careCheckHeading: "Check authorisation",
  careCheckSubmit: "Check",
  careAuthorised: "Authorised: {name} may use this category for this purpose.",
  careNotAuthorised: "Not authorised: no grant covers this category and purpose now.",
  careAuthorisedBreakGlass:
    "Authorised: {name} may use this category for this purpose; its emergency access is open until {time}, and accesses no grant covers are marked as emergency access.",
  careRecordHeading: "Record an access",
  careRecordRef: "Record reference (hash, optional)",
  careRecordRefHint: "0x and 64 hex digits; leave empty to use a random reference.",
  careRecordSubmit: "Record access",
  careRecorded: "Access recorded{breakGlass}.",
  careRecordedBreakGlass: " under emergency access",
  careBreakGlassHeading: "Open emergency access (break-glass)",
  careBreakGlassIntro: "Only when the patient cannot consent. Every use is logged and reviewed.",
  careBreakGlassSubmit: "Open emergency access",
  careBreakGlassOpened: "Emergency access open until {time}.",
  careBadPatient: "Enter a patient id (a whole number from 1).",
  careBadRecordRef: "The record reference must be 0x and 64 hex digits (a hash), or empty for a random one.",
  // Insurer
  queueHeading: "Claims queue",
  queueFilter: "Show claims with status",
  queueAll: "All open",
  queueOpen: "Open claim {id}",
  claimDetail: "Claim {id}",
  claimPatient: "Patient {id}",
  claimProvider: "Provider",
  claimService: "Service {from} – {to}",
  claimTimeline: "Timeline",
  actionStartReview: "Start review",
  actionRequestInfo: "Request information",
  actionApprove: "Approve in full",
  actionPartial: "Approve partially",
  actionDeny: "Deny",
  actionPay: "Mark paid",
  actionPartialAmount: "Approved amount (smaller than claimed)",
  amountMinorUnits: "In the claim's currency, e.g. 38000 or 38,000.50.",
  actionPayReference: "Payment reference (kept off chain; its hash is recorded)",
  actionNoneLeft: "No further action: this claim is final.",
  badAmount: "Enter an amount from 1 to less than the claimed amount.",
  badReference: "Enter a payment reference.",
  close: "Close",
} as const;

/** The keys of the UI strings. */
export type MessageKey = keyof typeof en;

/** One language's UI strings: exactly the keys of the English dictionary. */
export type Messages = Readonly<Record<MessageKey, string>>;

const zhTW: Messages = {
  appTitle: "medchain 醫療鏈",
  appTagline: "醫院聯盟的同意授權與病歷證明",
  languageToggle: "English",
  languageToggleLabel: "切換語言為英文",
  skipToContent: "跳至主要內容",
  loadingConfig: "正在載入設定…",
  configError: "應用程式無法啟動：{message}",
  demoBanner: "僅供示範的金鑰：這些角色的私鑰是公開的測試金鑰，切勿用於正式區塊鏈。",
  personaHeading: "您是誰？",
  personaIntro: "請選擇要扮演的角色。",
  rolePatient: "病人",
  roleCareTeam: "醫療團隊",
  roleInsurer: "保險公司",
  switchPersona: "切換角色",
  actingAs: "目前身分：{name}",
  keySource: "簽章金鑰",
  keyDemo: "示範金鑰（此角色）",
  keyWallet: "瀏覽器錢包",
  keyWalletMissing: "找不到瀏覽器錢包",
  walletConnected: "錢包帳戶 {account}",
  walletError: "瀏覽器錢包拒絕：{message}",
  serviceChain: "區塊鏈節點",
  serviceIndexer: "索引服務",
  serviceRelayer: "轉送服務",
  serviceUnreachable: "無法連線至{service}：{message}。清單可能不是最新的，請稍後再試。",
  retry: "再試一次",
  refresh: "重新整理",
  loading: "載入中…",
  none: "目前沒有資料。",
  patientIdLabel: "病人編號",
  memberLabel: "機構",
  categoryLabel: "病歷類別",
  purposeLabel: "使用目的",
  categoriesLabel: "病歷類別",
  purposesLabel: "使用目的",
  whenLabel: "時間",
  statusLabel: "狀態",
  reasonLabel: "原因",
  amountLabel: "金額",
  memberName: "成員 {id}",
  unknownCode: "代碼 {code}",
  txSigning: "簽章中…",
  txSending: "傳送中…",
  txWaiting: "等待區塊確認…",
  txIndexing: "等待索引服務同步…",
  txDone: "完成（區塊 {block}）。",
  txFailed: "失敗：{message}",
  tabGrants: "存取授權",
  tabAccess: "誰看過",
  tabOptOut: "研究退出",
  tabClaims: "我的理賠",
  tabVerify: "驗證病歷",
  patientSections: "病人功能",
  grantsHeading: "有效的授權",
  grantWho: "對象",
  grantUntil: "到期",
  grantFrom: "開始",
  revoke: "撤銷",
  revokeLabel: "撤銷{name}的存取",
  revokeConfirm: "確定要撤銷{name}的所有存取嗎？",
  wizardHeading: "授予存取權",
  wizardMember: "機構",
  wizardChooseMember: "請選擇機構",
  wizardFrom: "開始",
  wizardUntil: "結束",
  wizardConsentForm: "已簽署的同意書（選填）",
  wizardConsentFormHint: "檔案只在本裝置上計算雜湊，絕不上傳；簽章的只是加鹽後的雜湊值。",
  wizardConsentFormHash: "同意書雜湊：{hash}",
  wizardConsentFormSalt: "鹽值：{salt}。請與同意書一併保存：同意書加上此鹽值可重現已簽章的雜湊。",
  wizardSubmit: "簽章並送出授權",
  wizardNeedsMember: "請選擇機構。",
  wizardNeedsCategory: "請至少選擇一種病歷類別。",
  wizardNeedsPurpose: "請至少選擇一種使用目的。",
  wizardBadWindow: "授權的結束時間必須晚於開始時間，且在未來。",
  accessHeading: "誰看過我的資料",
  accessBreakGlass: "緊急存取",
  accessOperator: "操作帳戶 {account}",
  breakGlassHeading: "緊急存取紀錄",
  breakGlassEnds: "結束於 {time}",
  breakGlassClosed: "已於 {time} 關閉",
  optOutHeading: "研究退出",
  optOutIntro: "不讓您的病歷用於研究。不影響您的治療。",
  optOutWholly: "退出所有研究",
  optOutCategories: "以下類別不用於研究",
  optOutSave: "簽章並儲存",
  optOutCurrent: "上次變更：{time}",
  optOutNoRoute: "轉送服務尚未支援研究退出（缺少此路徑）：{message}",
  claimsHeading: "我的理賠",
  claimSubmitted: "送出於 {time}",
  claimApproved: "核准金額 {amount}",
  verifyHeading: "驗證病歷",
  verifyIntro: "兩個檔案都留在本裝置：網頁在此計算雜湊，並向區塊鏈核對證明。",
  verifyRecordFile: "病歷檔案（FHIR JSON 或文件）",
  verifyBundleFile: "證明檔（.proof.json）",
  verifyDrop: "將檔案拖放到此處，或選擇檔案",
  verifyChosen: "已選擇：{name}",
  verifySubmit: "驗證",
  verifyNeedsFiles: "請選擇病歷檔案與其證明檔。",
  verifyValid: "驗證成功：此病歷已錨定於區塊鏈。",
  verifyInvalid: "驗證失敗。",
  verifyStatus: "鏈上狀態：{status}",
  verifyAnchoredAt: "錨定於 {time}",
  verifyNotAnchored: "區塊鏈在該批次中找不到此病歷：{reason}",
  verifyBadBundle: "無法讀取證明檔：{message}",
  verifyContentMismatch: "病歷檔案與證明檔不符（雜湊值不同）。",
  verifyProofMismatch: "證明無法導出證明檔所載的批次根雜湊。",
  verifyOffline:
    "檔案與證明檔相符，且證明可導出批次根雜湊（僅在本裝置上檢查）；但無法向區塊鏈確認該批次是否已錨定：{message}",
  careCheckHeading: "查詢授權",
  careCheckSubmit: "查詢",
  careAuthorised: "已授權：{name} 可為此目的使用此類別。",
  careNotAuthorised: "未授權：目前沒有涵蓋此類別與目的的授權。",
  careAuthorisedBreakGlass:
    "已授權：{name} 可為此目的使用此類別；其緊急存取開放至 {time}，沒有授權涵蓋的存取會標示為緊急存取。",
  careRecordHeading: "記錄一次存取",
  careRecordRef: "病歷參照（雜湊，選填）",
  careRecordRefHint: "0x 加 64 個十六進位數字；留空則使用隨機參照。",
  careRecordSubmit: "記錄存取",
  careRecorded: "已記錄存取{breakGlass}。",
  careRecordedBreakGlass: "（緊急存取）",
  careBreakGlassHeading: "開啟緊急存取（破窗）",
  careBreakGlassIntro: "僅限病人無法表示同意時使用。每次使用都會被記錄並審查。",
  careBreakGlassSubmit: "開啟緊急存取",
  careBreakGlassOpened: "緊急存取開啟至 {time}。",
  careBadPatient: "請輸入病人編號（從 1 開始的整數）。",
  careBadRecordRef: "病歷參照必須是 0x 加 64 個十六進位數字（雜湊），或留空使用隨機參照。",
  queueHeading: "理賠案件佇列",
  queueFilter: "依狀態顯示",
  queueAll: "所有未結案",
  queueOpen: "開啟理賠 {id}",
  claimDetail: "理賠 {id}",
  claimPatient: "病人 {id}",
  claimProvider: "醫療院所",
  claimService: "服務期間 {from} – {to}",
  claimTimeline: "處理歷程",
  actionStartReview: "開始審核",
  actionRequestInfo: "要求補件",
  actionApprove: "全額核准",
  actionPartial: "部分核准",
  actionDeny: "拒絕",
  actionPay: "標記已付款",
  actionPartialAmount: "核准金額（少於申請金額）",
  amountMinorUnits: "以理賠幣別輸入，例如 38000 或 38,000.50。",
  actionPayReference: "付款參照（不上鏈，只記錄其雜湊）",
  actionNoneLeft: "無後續動作：此理賠已結案。",
  badAmount: "請輸入 1 至小於申請金額的金額。",
  badReference: "請輸入付款參照。",
  close: "關閉",
};

/** Labels of one code list, one per code. */
export interface CodeLabels {
  category: Readonly<Record<RecordCategory, string>>;
  purpose: Readonly<Record<Purpose, string>>;
  claimStatus: Readonly<Record<ClaimStatus, string>>;
  claimReason: Readonly<Record<ClaimReason, string>>;
  emergency: Readonly<Record<EmergencyReason, string>>;
}

const enCodes: CodeLabels = {
  category: [
    "Outpatient",
    "Inpatient",
    "Dental",
    "Traditional Chinese medicine",
    "Allergies",
    "Lab results",
    "Imaging reports",
    "Pathology reports",
    "Discharge summaries",
    "Advance directives",
    "Preventive care",
    "Vaccinations",
    "Medications",
    "Claim documents",
  ],
  purpose: [
    "Treatment",
    "Care coordination",
    "Insurance claim",
    "Research",
    "Public health",
    "Marketing",
    "Clinical trial research",
    "Biomedical research",
    "Disease-specific research",
    "Population origins research",
    "Requested by me",
  ],
  claimStatus: [
    "None",
    "Submitted",
    "In review",
    "Information requested",
    "Approved",
    "Partially approved",
    "Denied",
    "Paid",
    "Withdrawn",
  ],
  claimReason: [
    "None",
    "Not covered",
    "Policy inactive",
    "Not medically necessary",
    "Benefit limit reached",
    "Duplicate service",
    "Missing documents",
    "Itemised receipt needed",
    "Medical record needed",
    "Other",
  ],
  emergency: ["Patient unconscious", "Life-threatening", "Mental incapacity", "Delegate unreachable"],
};

const zhTWCodes: CodeLabels = {
  category: [
    "門診",
    "住院",
    "牙科",
    "中醫",
    "過敏",
    "檢驗結果",
    "影像報告",
    "病理報告",
    "出院摘要",
    "預立醫療決定",
    "預防保健",
    "疫苗接種",
    "用藥",
    "理賠文件",
  ],
  purpose: [
    "治療",
    "照護協調",
    "保險理賠",
    "研究",
    "公共衛生",
    "行銷",
    "臨床試驗研究",
    "生物醫學研究",
    "特定疾病研究",
    "族群起源研究",
    "本人要求",
  ],
  claimStatus: ["無", "已送出", "審核中", "要求補件", "已核准", "部分核准", "已拒絕", "已付款", "已撤回"],
  claimReason: [
    "無",
    "不在承保範圍",
    "保單未生效",
    "非醫療必要",
    "已達給付上限",
    "重複服務",
    "缺少文件",
    "需要收據明細",
    "需要病歷",
    "其他",
  ],
  emergency: ["病人意識不清", "危及生命", "心智能力不足", "無法聯絡代理人"],
};

/** Every language's UI strings. */
export const MESSAGES: Readonly<Record<Language, Messages>> = { en, "zh-TW": zhTW };

/** Every language's code labels. */
export const CODE_LABELS: Readonly<Record<Language, CodeLabels>> = { en: enCodes, "zh-TW": zhTWCodes };

/**
 * Fills `{name}` placeholders of a UI string; a placeholder without a value stays as written.
 *
 * @example
 * ```ts
 * format(MESSAGES.en.actingAs, { name: "Mei-Ling" }); // "Acting as Mei-Ling"
 * ```
 */
export function format(template: string, values: Readonly<Record<string, string | number | bigint>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

/**
 * The placeholders a UI string uses, sorted: both languages of a key must use the same ones.
 *
 * @example
 * ```ts
 * placeholders("Acting as {name}"); // ["name"]
 * ```
 */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string).sort();
}

/**
 * The language to start in: a saved choice, else the browser's (Chinese → zh-TW), else English.
 *
 * @example
 * ```ts
 * initialLanguage(localStorage.getItem("lang"), navigator.languages); // "zh-TW" for ["zh-Hant-TW"]
 * ```
 */
export function initialLanguage(saved: string | null, preferred: readonly string[]): Language {
  if (saved === "en" || saved === "zh-TW") return saved;
  return preferred.some((tag) => tag.toLowerCase().startsWith("zh")) ? "zh-TW" : "en";
}

/** ISO 4217 numeric codes the app can name, with their minor units (as `ISO_4217` in sdk/claims.ts). */
const CURRENCIES: Readonly<Record<number, { code: string; decimals: number }>> = {
  901: { code: "TWD", decimals: 2 },
  840: { code: "USD", decimals: 2 },
  392: { code: "JPY", decimals: 0 },
  978: { code: "EUR", decimals: 2 },
  826: { code: "GBP", decimals: 2 },
  156: { code: "CNY", decimals: 2 },
};

/**
 * A claim amount (a decimal string of minor units, as on chain) in the currency of ISO 4217 numeric code
 * `currency`, for `lang`; unknown currencies show the raw amount with the code.
 *
 * @example
 * ```ts
 * formatAmount("4560000", 901, "en"); // "NT$45,600.00"
 * ```
 */
export function formatAmount(amount: string, currency: number, lang: Language): string {
  const known = CURRENCIES[currency];
  if (known === undefined || !/^[0-9]+$/.test(amount)) return `${amount} (${currency})`;
  const minor = BigInt(amount);
  const scale = 10n ** BigInt(known.decimals);
  const whole = minor / scale;
  const fraction = minor % scale;
  const formatter = new Intl.NumberFormat(lang, {
    style: "currency",
    currency: known.code,
    minimumFractionDigits: known.decimals,
    maximumFractionDigits: known.decimals,
  });
  // Whole and fraction apart, so amounts beyond 2^53 minor units keep every digit.
  const parts = formatter.formatToParts(0);
  return parts
    .map((part) => {
      if (part.type === "integer") return new Intl.NumberFormat(lang).format(whole);
      if (part.type === "fraction") return fraction.toString().padStart(known.decimals, "0");
      return part.value;
    })
    .join("");
}

/**
 * Reads an amount typed in a currency's units ("38000", "38,000.50") as the claim's minor units (a bigint,
 * as `ClaimRegistry` stores amounts); `undefined` for anything else, or for more decimals than the currency
 * has. Unknown currency codes take whole minor units only.
 *
 * @example
 * ```ts
 * parseAmount("38,000.5", 901); // 3800050n (NT$, 2 decimals)
 * ```
 */
export function parseAmount(text: string, currency: number): bigint | undefined {
  const decimals = CURRENCIES[currency]?.decimals ?? 0;
  const match = /^([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?$/.exec(text.trim());
  if (match === null) return undefined;
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) return undefined;
  return BigInt(match[1]!.replaceAll(",", "") + fraction.padEnd(decimals, "0"));
}
