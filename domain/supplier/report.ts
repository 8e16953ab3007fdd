/**
 * The supplier report: per supplier, its UC clocks (incidents on hold awaiting it) started in the
 * period, how many breached, the breach rate, and MTTR on supplier holds (the mean business time
 * of its stopped clocks), beside its live contracts and their value per currency. A supplier
 * is named as UC agreements and holds name it; those with a record show its id and number.
 */
export interface UcClockRow {
  supplier: string | null;
  breached: boolean;
  stoppedAt: Date | null;
  businessMs: number | null;
}
export interface SupplierRow { id: string; number: string; name: string }
export interface LiveContractRow { supplierId: string; value: number; currency: string }

export interface SupplierReportRow {
  supplier: string;
  supplierId: string | null;
  supplierNumber: string | null;
  clocks: number;
  breaches: number;
  breachRate: number | null;
  /** Mean business time (ms) of the stopped clocks; null when none stopped. */
  mttrMs: number | null;
  activeContracts: number;
  contractValue: { currency: string; value: number }[];
}

export function supplierReport(suppliers: SupplierRow[], clocks: UcClockRow[], contracts: LiveContractRow[]): SupplierReportRow[] {
  const byName = new Map<string, SupplierReportRow & { stopped: number; businessSum: number }>();
  const row = (name: string) => {
    let r = byName.get(name);
    if (!r) {
      r = { supplier: name, supplierId: null, supplierNumber: null, clocks: 0, breaches: 0, breachRate: null, mttrMs: null, activeContracts: 0, contractValue: [], stopped: 0, businessSum: 0 };
      byName.set(name, r);
    }
    return r;
  };
  for (const s of suppliers) Object.assign(row(s.name), { supplierId: s.id, supplierNumber: s.number });
  for (const c of clocks) {
    if (!c.supplier) continue;
    const r = row(c.supplier);
    r.clocks += 1;
    if (c.breached) r.breaches += 1;
    if (c.stoppedAt && c.businessMs !== null) {
      r.stopped += 1;
      r.businessSum += c.businessMs;
    }
  }
  const nameOf = new Map(suppliers.map((s) => [s.id, s.name]));
  for (const c of contracts) {
    const name = nameOf.get(c.supplierId);
    if (name === undefined) continue;
    const r = row(name);
    r.activeContracts += 1;
    const v = r.contractValue.find((x) => x.currency === c.currency);
    if (v) v.value += c.value;
    else r.contractValue.push({ currency: c.currency, value: c.value });
  }
  return [...byName.values()]
    .map(({ stopped, businessSum, ...r }) => ({
      ...r,
      breachRate: r.clocks ? r.breaches / r.clocks : null,
      mttrMs: stopped ? businessSum / stopped : null,
      contractValue: r.contractValue.sort((a, b) => a.currency.localeCompare(b.currency)),
    }))
    .sort((a, b) => a.supplier.localeCompare(b.supplier));
}
