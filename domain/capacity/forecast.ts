/**
 * When a series reaches its limit (pure). An ordinary least-squares line through the hourly
 * rollups of the window; the series exhausts only when the line is moving towards the limit
 * (rising to a limit above the last value, falling to one below it). A flat or receding series,
 * or one with too few points to trust a slope, has no exhaustion date.
 */
export interface SeriesPoint {
  /** epoch milliseconds */
  at: number;
  value: number;
}

export interface Fit {
  /** value units per day */
  slopePerDay: number;
  /** the line's value at epoch 0, so value(at) = intercept + slopePerDay * at / DAY_MS */
  intercept: number;
  points: number;
}

export interface Forecast extends Fit {
  lastValue: number;
  /** epoch ms the line reaches the limit; null when it never does */
  exhaustAt: number | null;
}

export const DAY_MS = 86_400_000;
/** Fewer points than this (a day of hourly rollups is 24) give no forecast. */
export const MIN_POINTS = 3;

export function fitLine(points: readonly SeriesPoint[]): Fit | null {
  if (points.length < MIN_POINTS) return null;
  // Centre the abscissa on the mean instant: raw epoch days are large and the squared sums lose precision.
  const n = points.length;
  const xs = points.map((p) => p.at / DAY_MS);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = points.reduce((a, p) => a + p.value, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    sxx += dx * dx;
    sxy += dx * (points[i].value - my);
  }
  // All points at one instant: no slope can be fitted.
  if (sxx === 0) return null;
  const slopePerDay = sxy / sxx;
  return { slopePerDay, intercept: my - slopePerDay * mx, points: n };
}

export function forecast(points: readonly SeriesPoint[], limit: number): Forecast | null {
  const fit = fitLine(points);
  if (!fit) return null;
  return forecastFrom(fit, points.reduce((a, p) => (p.at >= a.at ? p : a)), limit);
}

/**
 * Running sums of a series, x in days after `originMs` (small numbers, so the sums keep their
 * precision): what a database aggregates in one pass, so the points never leave it.
 */
export interface SeriesSums {
  n: number;
  sx: number;
  sy: number;
  sxy: number;
  sxx: number;
}

export function fitSums(s: SeriesSums, originMs: number): Fit | null {
  if (s.n < MIN_POINTS) return null;
  const sxx = s.sxx - (s.sx * s.sx) / s.n;
  // All points at one instant (or rounding to it): no slope can be fitted.
  if (sxx <= 1e-12 * Math.max(1, s.sxx)) return null;
  const slopePerDay = (s.sxy - (s.sx * s.sy) / s.n) / sxx;
  const atOrigin = (s.sy - slopePerDay * s.sx) / s.n;
  return { slopePerDay, intercept: atOrigin - (slopePerDay * originMs) / DAY_MS, points: s.n };
}

/** When the fitted line, moving from the last reading, reaches the limit. */
export function forecastFrom(fit: Fit, last: SeriesPoint, limit: number): Forecast {
  const towards = (limit - last.value) * fit.slopePerDay;
  // Relative tolerance: a slope that is rounding noise on a flat series is flat.
  const flat = Math.abs(fit.slopePerDay) <= 1e-9 * Math.max(1, Math.abs(fit.intercept), Math.abs(limit));
  let exhaustAt: number | null = null;
  if (limit === last.value) exhaustAt = last.at;
  else if (!flat && towards > 0) {
    const days = (limit - fit.intercept) / fit.slopePerDay;
    // The line may already be past the limit while the last reading is not: it is reached now.
    exhaustAt = Math.max(Math.round(days * DAY_MS), last.at);
  }
  return { ...fit, lastValue: last.value, exhaustAt };
}

/** Whole days from `now` to exhaustion (0 when already reached); null when it never exhausts. */
export const daysToExhaustion = (exhaustAt: number | null, now: number): number | null =>
  exhaustAt === null ? null : Math.max(0, Math.ceil((exhaustAt - now) / DAY_MS));

export const withinHorizon = (exhaustAt: number | null, now: number, horizonDays: number) =>
  exhaustAt !== null && exhaustAt - now <= horizonDays * DAY_MS;
