/** The supplier report's figures as a pure function: clocks, breaches, breach rate, MTTR on holds, live contracts by currency. */
import { supplierReport } from '../../domain/supplier/report';
import { SupplierReportQuery } from '../../domain/schemas/supplier';

const H = 3_600_000;
const stopped = new Date('2026-03-01T00:00:00Z');

test('per supplier name: clocks and breaches, the mean business time of the stopped clocks, live contracts summed per currency', () => {
  const rows = supplierReport(
    [{ id: 'sup-1', number: 'SUP0000001', name: 'Acme' }, { id: 'sup-2', number: 'SUP0000002', name: 'Quiet' }],
    [
      { supplier: 'Acme', breached: true, stoppedAt: stopped, businessMs: 6 * H },
      { supplier: 'Acme', breached: false, stoppedAt: stopped, businessMs: 2 * H },
      { supplier: 'Acme', breached: false, stoppedAt: null, businessMs: null },
      { supplier: 'Acme', breached: false, stoppedAt: stopped, businessMs: null },
      { supplier: 'No record Ltd', breached: false, stoppedAt: stopped, businessMs: H },
      { supplier: null, breached: true, stoppedAt: null, businessMs: null },
    ],
    [
      { supplierId: 'sup-1', value: 100, currency: 'EUR' },
      { supplierId: 'sup-1', value: 50, currency: 'EUR' },
      { supplierId: 'sup-1', value: 10, currency: 'CHF' },
      { supplierId: 'sup-gone', value: 999, currency: 'EUR' },
    ],
  );
  expect(rows).toEqual([
    { supplier: 'Acme', supplierId: 'sup-1', supplierNumber: 'SUP0000001', clocks: 4, breaches: 1, breachRate: 0.25, mttrMs: 4 * H, activeContracts: 3, contractValue: [{ currency: 'CHF', value: 10 }, { currency: 'EUR', value: 150 }] },
    { supplier: 'No record Ltd', supplierId: null, supplierNumber: null, clocks: 1, breaches: 0, breachRate: 0, mttrMs: H, activeContracts: 0, contractValue: [] },
    { supplier: 'Quiet', supplierId: 'sup-2', supplierNumber: 'SUP0000002', clocks: 0, breaches: 0, breachRate: null, mttrMs: null, activeContracts: 0, contractValue: [] },
  ]);
});

test('the period runs forward', () => {
  const r = SupplierReportQuery.safeParse({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
  expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['to']);
});
