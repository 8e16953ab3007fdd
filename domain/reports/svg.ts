/**
 * Report charts as standalone SVG (a browser opens it, an e-mail embeds it): plain shapes and
 * text, no script, no external fonts or references. Every label is escaped.
 */
const W = 640;
const H = 320;
const M = { top: 44, right: 20, bottom: 50, left: 50 };

export const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

interface Bar {
  label: string;
  value: number | null;
  /** Text above the bar (default: the value). */
  caption?: string;
}

function chart(title: string, bars: Bar[], max: number, unit: string, line?: { value: number; label: string }): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const y = (v: number) => M.top + plotH - (plotH * Math.min(Math.max(v, 0), max)) / (max || 1);
  const slot = plotW / Math.max(bars.length, 1);
  const bw = Math.max(4, Math.min(60, slot * 0.6));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="24" font-size="15" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
    `<line x1="${M.left}" y1="${M.top + plotH}" x2="${W - M.right}" y2="${M.top + plotH}" stroke="#444"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + plotH}" stroke="#444"/>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const v = max * tick;
    parts.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${escapeXml(`${Math.round(v * 10) / 10}${unit}`)}</text>`);
    parts.push(`<line x1="${M.left}" y1="${y(v)}" x2="${W - M.right}" y2="${y(v)}" stroke="#e5e5e5"/>`);
  }
  bars.forEach((b, i) => {
    const cx = M.left + slot * i + slot / 2;
    if (b.value !== null) {
      parts.push(`<rect x="${cx - bw / 2}" y="${y(b.value)}" width="${bw}" height="${M.top + plotH - y(b.value)}" fill="#3b73b9"/>`);
      parts.push(`<text x="${cx}" y="${y(b.value) - 4}" text-anchor="middle" fill="#222">${escapeXml(b.caption ?? `${b.value}${unit}`)}</text>`);
    } else {
      parts.push(`<text x="${cx}" y="${M.top + plotH - 4}" text-anchor="middle" fill="#888">n/a</text>`);
    }
    parts.push(`<text x="${cx}" y="${M.top + plotH + 18}" text-anchor="middle" fill="#222">${escapeXml(b.label)}</text>`);
  });
  if (line) {
    parts.push(`<line x1="${M.left}" y1="${y(line.value)}" x2="${W - M.right}" y2="${y(line.value)}" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"/>`);
    // Its label is a legend in the title row, where no bar can cover it.
    parts.push(`<line x1="${W - M.right - 110}" y1="20" x2="${W - M.right - 84}" y2="20" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${W - M.right}" y="24" text-anchor="end" fill="#c0392b">${escapeXml(line.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Resolution attainment per month with the target line. */
export function attainmentChart(rows: { month: string; attainmentPct: number | null }[], targetPct: number, subtitle: string): string {
  return chart(`SLA attainment (resolution) ${subtitle}`, rows.map((r) => ({ label: r.month, value: r.attainmentPct })), 100, '%', { value: targetPct, label: `target ${targetPct}%` });
}

/** Open incidents per age bucket. */
export function backlogChart(byAge: { age: string; count: number }[]): string {
  const max = Math.max(1, ...byAge.map((b) => b.count));
  const nice = Math.ceil(max / 4) * 4;
  return chart('Open incidents by age', byAge.map((b) => ({ label: b.age, value: b.count, caption: String(b.count) })), nice, '');
}
