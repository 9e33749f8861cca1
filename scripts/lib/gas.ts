import type { ContractTransactionResponse } from "ethers";

/** One measured operation: `receipt.gasUsed` of a write, or estimateGas − 21,000 of a view. */
export interface GasRow {
  operation: string;
  gas: bigint;
  floor?: bigint;
  note?: string;
}

/** Collects gas figures and prints them as an aligned table. */
export class GasTable {
  readonly rows: GasRow[] = [];

  /** Waits for `transaction`, records its `gasUsed` under `operation`, and returns the receipt's gas. */
  async record(
    operation: string,
    transaction: Promise<ContractTransactionResponse>,
    extra: Omit<GasRow, "operation" | "gas"> = {},
  ): Promise<bigint> {
    const receipt = await (await transaction).wait();
    if (receipt === null) throw new Error(`no receipt for ${operation}`);
    this.rows.push({ operation, gas: receipt.gasUsed, ...extra });
    return receipt.gasUsed;
  }

  /** Records a figure measured some other way (a view's estimate). */
  add(row: GasRow): void {
    this.rows.push(row);
  }

  /** The table as Markdown, ready for the README. */
  toMarkdown(): string {
    const withFloors = this.rows.some((row) => row.floor !== undefined);
    const header = withFloors
      ? ["| operation | gas | floor | ratio | note |", "|---|---:|---:|---:|---|"]
      : ["| operation | gas |", "|---|---:|"];
    const lines = this.rows.map((row) => {
      const gas = row.gas.toLocaleString("en-US");
      if (!withFloors) return `| ${row.operation} | ${gas} |`;
      const floor = row.floor === undefined ? "" : row.floor.toLocaleString("en-US");
      const ratio = row.floor === undefined ? "" : `${(Number(row.gas) / Number(row.floor)).toFixed(2)}×`;
      return `| ${row.operation} | ${gas} | ${floor} | ${ratio} | ${row.note ?? ""} |`;
    });
    return [...header, ...lines].join("\n");
  }
}
