import { expect } from "chai";

import { ClaimReason, ClaimStatus, EmergencyReason, Purpose, RecordCategory } from "../sdk/index.js";
import {
  CODE_LABELS,
  format,
  formatAmount,
  parseAmount,
  initialLanguage,
  LANGUAGES,
  MESSAGES,
  placeholders,
  type CodeLabels,
} from "../web/src/i18n.js";

describe("Web app: Traditional Chinese and English strings", function () {
  const english = MESSAGES.en;
  const chinese = MESSAGES["zh-TW"];

  it("has the same keys in both languages, none empty", function () {
    expect(Object.keys(chinese).sort()).to.deep.equal(Object.keys(english).sort());
    for (const language of LANGUAGES) {
      for (const [key, text] of Object.entries(MESSAGES[language])) {
        expect(text.trim(), `${language}.${key}`).to.not.equal("");
      }
    }
  });

  it("uses the same placeholders for each key in both languages", function () {
    for (const key of Object.keys(english) as (keyof typeof english)[]) {
      expect(placeholders(chinese[key]), key).to.deep.equal(placeholders(english[key]));
    }
  });

  it("is really translated: Chinese strings differ from the English ones", function () {
    const same = (Object.keys(english) as (keyof typeof english)[]).filter((key) => english[key] === chinese[key]);
    expect(same).to.deep.equal([]);
  });

  const codeLists: [keyof CodeLabels, Record<string, number>][] = [
    ["category", RecordCategory],
    ["purpose", Purpose],
    ["claimStatus", ClaimStatus],
    ["claimReason", ClaimReason],
    ["emergency", EmergencyReason],
  ];
  for (const [list, codes] of codeLists) {
    it(`labels every ${list} code of the SDK in both languages`, function () {
      for (const language of LANGUAGES) {
        const labels = CODE_LABELS[language][list] as Readonly<Record<number, string>>;
        expect(
          Object.keys(labels)
            .map(Number)
            .sort((a, b) => a - b),
          `${language} ${list}`,
        ).to.deep.equal(Object.values(codes).sort((a, b) => a - b));
        for (const label of Object.values(labels)) expect(label.trim()).to.not.equal("");
      }
    });
  }

  it("fills placeholders and leaves unknown ones as written", function () {
    expect(format(english.actingAs, { name: "Mei-Ling" })).to.equal("Acting as Mei-Ling");
    expect(format(chinese.actingAs, { name: "美玲" })).to.equal("目前身分：美玲");
    expect(format("{a} {b}", { a: 1 })).to.equal("1 {b}");
  });

  it("starts in the saved language, else Chinese for a Chinese browser, else English", function () {
    expect(initialLanguage("en", ["zh-TW"])).to.equal("en");
    expect(initialLanguage(null, ["zh-Hant-TW", "en"])).to.equal("zh-TW");
    expect(initialLanguage("fr", ["fr-FR"])).to.equal("en");
  });

  it("reads amounts typed in currency units as minor units, refusing what it cannot read exactly", function () {
    expect(parseAmount("38000", 901)).to.equal(3_800_000n);
    expect(parseAmount("38,000.5", 901)).to.equal(3_800_050n);
    expect(parseAmount(" 0.01 ", 901)).to.equal(1n);
    expect(parseAmount("5", 392)).to.equal(5n); // yen: no minor unit
    expect(parseAmount("5.5", 392)).to.equal(undefined);
    expect(parseAmount("1.234", 901)).to.equal(undefined);
    expect(parseAmount("38.000,50", 901)).to.equal(undefined);
    expect(parseAmount("-3", 901)).to.equal(undefined);
    expect(parseAmount("", 901)).to.equal(undefined);
    expect(parseAmount("1e5", 901)).to.equal(undefined);
  });

  it("shows claim amounts in major units of their currency without losing digits", function () {
    expect(formatAmount("4560000", 901, "en")).to.match(/^NT\$45,600\.00$/);
    expect(formatAmount("5", 392, "en")).to.equal("¥5");
    expect(formatAmount("123456789012345678901", 840, "en")).to.equal("$1,234,567,890,123,456,789.01");
    expect(formatAmount("7", 999, "en")).to.equal("7 (999)");
  });
});
