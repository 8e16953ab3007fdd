/**
 * An inline SVG sparkline of a series (pure): one polyline vertex per value, scaled to the box,
 * the newest at the right. Values are numbers only, so nothing user-supplied reaches the markup.
 */
export interface SparklineOptions {
  width?: number;
  height?: number;
  stroke?: string;
  /** a horizontal line at this value (the limit), drawn when it falls within the scale */
  limit?: number | null;
}

const fmt = (n: number) => (Math.round(n * 100) / 100).toString();

export function sparkline(values: readonly number[], opts: SparklineOptions = {}): string {
  const width = opts.width ?? 120;
  const height = opts.height ?? 24;
  const stroke = /^#[0-9a-fA-F]{3,8}$/.test(opts.stroke ?? '') ? opts.stroke! : '#3366cc';
  const finite = values.filter((v) => Number.isFinite(v));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`;
  if (finite.length === 0) return `${head}</svg>`;
  const scale = opts.limit != null && Number.isFinite(opts.limit) ? [...finite, opts.limit] : finite;
  const lo = Math.min(...scale);
  const hi = Math.max(...scale);
  const pad = 1;
  const y = (v: number) => (hi === lo ? height / 2 : pad + (height - 2 * pad) * (1 - (v - lo) / (hi - lo)));
  const x = (i: number) => (finite.length === 1 ? width / 2 : (i * width) / (finite.length - 1));
  const pts = finite.map((v, i) => `${fmt(x(i))},${fmt(y(v))}`).join(' ');
  const limitLine =
    opts.limit != null && Number.isFinite(opts.limit)
      ? `<line x1="0" y1="${fmt(y(opts.limit))}" x2="${width}" y2="${fmt(y(opts.limit))}" stroke="#cc3333" stroke-dasharray="2,2"/>`
      : '';
  return `${head}${limitLine}<polyline fill="none" stroke="${stroke}" stroke-width="1" points="${pts}"/></svg>`;
}
