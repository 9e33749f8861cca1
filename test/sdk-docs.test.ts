import { readdirSync, readFileSync } from "node:fs";

import { expect } from "chai";
import ts from "typescript";

/**
 * The project rule "TSDoc with an @example on every export of sdk/", checked on the TypeScript syntax tree
 * of every `sdk/*.ts` file (no Hardhat network needed).
 *
 * The rules:
 * - Every exported declaration (function, class, const/let, type, interface, enum, namespace) has a
 *   `/** … *\/` block right before it (only blank lines between), and that block has an `@example` tag
 *   followed by a non-empty ```ts fenced block.
 * - Exception: an exported `type X` that shares its name with an exported `const X` of the same file (the
 *   `type X = (typeof X)[keyof typeof X]` alias of a code list) needs a doc block of its own, but its example
 *   is the const's: the const's block must have one.
 * - `export * from "./x.js"` is allowed (the re-exported file is checked itself); `export { … }` lists and
 *   `export default` are refused, because they would hide declarations from this check.
 * - Every public method and accessor of every exported class has a block with an `@example`, and the client's
 *   classes below must exist and have some. Not checked: constructors, `private`, `protected` and `#name`
 *   members, and members whose block is tagged `@internal` (outside the public API, e.g. the
 *   `RecordBatch[CREATE_BATCH]` door keyed by a module-private symbol).
 */

const SDK_DIRECTORY = new URL("../sdk/", import.meta.url);

/** The client's classes whose public methods must all carry an example, with the file declaring each. */
const CLIENT_CLASSES: ReadonlyArray<[className: string, file: string]> = [
  ["MedchainClient", "client.ts"],
  ["MedchainMembers", "client.ts"],
  ["MedchainPatients", "client.ts"],
  ["MedchainConsent", "client.ts"],
  ["MedchainRecords", "client.ts"],
  ["MedchainClaims", "client.ts"],
  ["MedchainTransaction", "transactions.ts"],
];

/** The text of a doc comment without its `/**`, `*\/` and leading ` * ` on each line. */
function docText(block: string): string {
  return block
    .replace(/^\/\*\*/, "")
    .replace(/\*\/$/, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join("\n");
}

/** Whether a doc comment has an `@example` tag followed by a non-empty ```ts fenced block. */
function hasExample(block: string): boolean {
  const example = /@example[^\n]*\n\s*```ts[^\n]*\n([\s\S]*?)\n\s*```/.exec(docText(block));
  return example !== null && (example[1] ?? "").trim().length > 0;
}

/** The `/** … *\/` comment right before `node` (only whitespace between), or undefined. */
function docBlockBefore(node: ts.Node, source: ts.SourceFile): string | undefined {
  const comments = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  const last = comments.at(-1);
  if (last === undefined || last.kind !== ts.SyntaxKind.MultiLineCommentTrivia) return undefined;
  const text = source.text.slice(last.pos, last.end);
  return text.startsWith("/**") && !text.startsWith("/**/") ? text : undefined;
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

interface ExportedDeclaration {
  name: string;
  kind: "function" | "class" | "const" | "type" | "interface" | "enum" | "namespace";
  node: ts.Node;
  doc: string | undefined;
}

/** The file's exported declarations and the problems with its export statements themselves. */
function exportedDeclarations(source: ts.SourceFile): { declarations: ExportedDeclaration[]; problems: string[] } {
  const declarations: ExportedDeclaration[] = [];
  const problems: string[] = [];
  for (const statement of source.statements) {
    const doc = docBlockBefore(statement, source);
    const add = (name: string, kind: ExportedDeclaration["kind"]) =>
      declarations.push({ name, kind, node: statement, doc });
    if (ts.isExportDeclaration(statement)) {
      if (statement.exportClause !== undefined || statement.moduleSpecifier === undefined) {
        problems.push(`"${statement.getText(source)}": export the declaration itself so its TSDoc is checked`);
      }
      continue;
    }
    if (ts.isExportAssignment(statement)) {
      problems.push("a default export: name and export the declaration itself so its TSDoc is checked");
      continue;
    }
    if (!isExported(statement)) continue;
    if (ts.isFunctionDeclaration(statement)) add(statement.name?.text ?? "default", "function");
    else if (ts.isClassDeclaration(statement)) add(statement.name?.text ?? "default", "class");
    else if (ts.isInterfaceDeclaration(statement)) add(statement.name.text, "interface");
    else if (ts.isTypeAliasDeclaration(statement)) add(statement.name.text, "type");
    else if (ts.isEnumDeclaration(statement)) add(statement.name.text, "enum");
    else if (ts.isModuleDeclaration(statement)) add(statement.name.getText(source), "namespace");
    else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) add(declaration.name.getText(source), "const");
    } else problems.push(`an exported ${ts.SyntaxKind[statement.kind]} this test does not know how to check`);
  }
  return { declarations, problems };
}

/** What is missing from the TSDoc of one file's exports, one line per problem naming file and export. */
function exportProblems(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const { declarations, problems } = exportedDeclarations(source);
  const messages = problems.map((problem) => `${file}: ${problem}`);
  const consts = new Map(declarations.filter((d) => d.kind === "const").map((d) => [d.name, d]));
  for (const declaration of declarations) {
    const where = `${file}: ${declaration.kind} ${declaration.name}`;
    if (declaration.doc === undefined) {
      messages.push(`${where} has no /** … */ TSDoc block right before it`);
      continue;
    }
    if (hasExample(declaration.doc)) continue;
    const sameNamedConst = declaration.kind === "type" ? consts.get(declaration.name) : undefined;
    if (sameNamedConst !== undefined) {
      if (sameNamedConst.doc === undefined || !hasExample(sameNamedConst.doc)) {
        messages.push(`${where} relies on the example of const ${declaration.name}, which has none`);
      }
      continue;
    }
    messages.push(`${where} has a TSDoc block without an @example followed by a \`\`\`ts block`);
  }
  return messages;
}

interface PublicMember {
  className: string;
  name: string;
  doc: string | undefined;
}

/** The public methods and accessors of the file's exported classes (constructors and `@internal` excluded). */
function publicMembers(file: string, text: string): PublicMember[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const members: PublicMember[] = [];
  for (const statement of source.statements) {
    if (!ts.isClassDeclaration(statement) || !isExported(statement)) continue;
    const className = statement.name?.text ?? "default";
    for (const member of statement.members) {
      const isMethod =
        ts.isMethodDeclaration(member) || ts.isGetAccessorDeclaration(member) || ts.isSetAccessorDeclaration(member);
      if (!isMethod || ts.isPrivateIdentifier(member.name)) continue;
      const hidden = (ts.getModifiers(member) ?? []).some(
        (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
      );
      const doc = docBlockBefore(member, source);
      if (hidden || (doc !== undefined && /@internal\b/.test(doc))) continue;
      members.push({ className, name: member.name.getText(source), doc });
    }
  }
  return members;
}

const memberProblems = (file: string, members: PublicMember[]): string[] =>
  members
    .filter((member) => member.doc === undefined || !hasExample(member.doc))
    .map((member) => `${file}: ${member.className}.${member.name} has no TSDoc block with an @example`);

const sdkFiles = readdirSync(SDK_DIRECTORY)
  .filter((name) => name.endsWith(".ts"))
  .sort();
const sdkSource = (file: string) => readFileSync(new URL(file, SDK_DIRECTORY), "utf8");

describe("SDK documentation: TSDoc with an @example on every export", function () {
  it("finds the SDK's files", function () {
    expect(sdkFiles).to.include.members(["client.ts", "codes.ts", "index.ts", "transactions.ts"]);
  });

  for (const file of sdkFiles) {
    it(`sdk/${file}: every export has a TSDoc block with an @example`, function () {
      expect(exportProblems(`sdk/${file}`, sdkSource(file))).to.deep.equal([]);
    });

    it(`sdk/${file}: every public method of its exported classes has an @example`, function () {
      expect(memberProblems(`sdk/${file}`, publicMembers(`sdk/${file}`, sdkSource(file)))).to.deep.equal([]);
    });
  }

  it("checks the client's classes, each with public methods", function () {
    for (const [className, file] of CLIENT_CLASSES) {
      const methods = publicMembers(file, sdkSource(file)).filter((member) => member.className === className);
      expect(methods, `${className} in sdk/${file}`).to.not.be.empty;
    }
  });

  describe("the checker itself", function () {
    const example = "/**\n * Two.\n *\n * @example\n * ```ts\n * two(); // 2\n * ```\n */\n";

    it("accepts a block with an @example and a ts fence", function () {
      expect(exportProblems("x.ts", `${example}export function two() { return 2; }`)).to.deep.equal([]);
    });

    it("names the file and export without a block, or whose block has no example", function () {
      const text = "export const one = 1;\n/** Two, without example. */\nexport interface Two { a: 1 }\n";
      expect(exportProblems("x.ts", text)).to.deep.equal([
        "x.ts: const one has no /** … */ TSDoc block right before it",
        "x.ts: interface Two has a TSDoc block without an @example followed by a ```ts block",
      ]);
    });

    it("refuses an @example without a fenced ts block, and a line comment between block and export", function () {
      const bare = "/**\n * @example two();\n */\nexport function two() { return 2; }";
      const interrupted = `${example}// note\nexport function two() { return 2; }`;
      expect(exportProblems("x.ts", bare)).to.have.length(1);
      expect(exportProblems("x.ts", interrupted)).to.deep.equal([
        "x.ts: function two has no /** … */ TSDoc block right before it",
      ]);
    });

    it("lets a type alias use the example of the const of its name, and only that", function () {
      const alias = "/** A {@link Code} value. */\nexport type Code = (typeof Code)[keyof typeof Code];\n";
      const documented = `${example}export const Code = { A: 0 } as const;\n${alias}`;
      const undocumented = `/** No example. */\nexport const Code = { A: 0 } as const;\n${alias}`;
      const bareAlias = `${example}export const Code = { A: 0 } as const;\nexport type Code = 0;\n`;
      expect(exportProblems("x.ts", documented)).to.deep.equal([]);
      expect(exportProblems("x.ts", undocumented)).to.deep.equal([
        "x.ts: const Code has a TSDoc block without an @example followed by a ```ts block",
        "x.ts: type Code relies on the example of const Code, which has none",
      ]);
      expect(exportProblems("x.ts", bareAlias)).to.deep.equal([
        "x.ts: type Code has no /** … */ TSDoc block right before it",
      ]);
    });

    it("refuses export lists and default exports", function () {
      expect(exportProblems("x.ts", "const a = 1;\nexport { a };")).to.have.length(1);
      expect(exportProblems("x.ts", "export default 1;")).to.have.length(1);
      expect(exportProblems("x.ts", 'export * from "./y.js";')).to.deep.equal([]);
    });

    it("checks public methods and accessors, not private, protected, #private, @internal ones or constructors", function () {
      const text =
        `${example}export class C {\n  constructor() {}\n  open() {}\n  get size() { return 1; }\n` +
        `  private hidden() {}\n  protected inner() {}\n  #secret() {}\n  /** @internal */\n  static door() {}\n` +
        `${example}  shown() {}\n}\n`;
      expect(memberProblems("x.ts", publicMembers("x.ts", text))).to.deep.equal([
        "x.ts: C.open has no TSDoc block with an @example",
        "x.ts: C.size has no TSDoc block with an @example",
      ]);
    });
  });
});
