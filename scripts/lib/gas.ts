import type { ContractTransactionResponse } from "ethers";

/** One measured operation: `receipt.gasUsed` of a write, or estimateGas − 21,000 of a view. */
export interface GasRow {
  operation: string;
  gas: bigint;
  /** The target for this operation, if it has one. */
  target?: bigint;
  /** The floor it is compared with (a minimal contract doing the same storage and event work). */
  floor?: bigint;
  note?: string;
}

/** Waits for `transaction` and returns its receipt's `gasUsed`. */
export async function receiptGas(transaction: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await transaction).wait();
  if (receipt === null) throw new Error("the transaction has no receipt");
  return receipt.gasUsed;
}

const figure = (value: bigint | undefined) => (value === undefined ? "" : value.toLocaleString("en-US"));

/** Collects gas figures and prints them as a Markdown table; target and floor columns appear when used. */
export class GasTable {
  readonly rows: GasRow[] = [];

  /** Waits for `transaction`, records its `gasUsed` under `operation`, and returns it. */
  async record(
    operation: string,
    transaction: Promise<ContractTransactionResponse>,
    extra: Omit<GasRow, "operation" | "gas"> = {},
  ): Promise<bigint> {
    const gas = await receiptGas(transaction);
    this.rows.push({ operation, gas, ...extra });
    return gas;
  }

  /** Records a figure measured some other way (a view's estimate, a probe). */
  add(row: GasRow): void {
    this.rows.push(row);
  }

  /** The table as Markdown, ready for the README. */
  toMarkdown(): string {
    const withTargets = this.rows.some((row) => row.target !== undefined);
    const withFloors = this.rows.some((row) => row.floor !== undefined);
    const withNotes = this.rows.some((row) => row.note !== undefined && row.note !== "");
    const columns = [
      { title: "operation", align: "---", cell: (row: GasRow) => row.operation },
      { title: "gas", align: "---:", cell: (row: GasRow) => figure(row.gas) },
      ...(withTargets
        ? [
            { title: "target", align: "---:", cell: (row: GasRow) => figure(row.target) },
            {
              title: "met",
              align: ":---:",
              cell: (row: GasRow) => (row.target === undefined ? "" : row.gas <= row.target ? "yes" : "no"),
            },
          ]
        : []),
      ...(withFloors
        ? [
            { title: "floor", align: "---:", cell: (row: GasRow) => figure(row.floor) },
            {
              title: "ratio",
              align: "---:",
              cell: (row: GasRow) =>
                row.floor === undefined ? "" : `${(Number(row.gas) / Number(row.floor)).toFixed(2)}×`,
            },
          ]
        : []),
      ...(withNotes ? [{ title: "note", align: "---", cell: (row: GasRow) => row.note ?? "" }] : []),
    ];
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [
      line(columns.map((column) => column.title)),
      line(columns.map((column) => column.align)),
      ...this.rows.map((row) => line(columns.map((column) => column.cell(row)))),
    ].join("\n");
  }
}
