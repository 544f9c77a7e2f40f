/**
 * Month-end cost forecast from daily costs: a least-squares trend over recent days projected over
 * the days left, with an interval from the residual spread (widening with √days). Deliberately
 * simple and explainable; the server's forecasters can replace it once exposed over the API.
 */

export interface CostForecast {
  monthToDate: number;
  projected: number;
  low: number;
  high: number;
  daysLeft: number;
  dailyAverage: number;
}

/** `daily` holds one value per day from the first of the month up to today (today partial). */
export function forecastMonthEnd(daily: number[], now: Date): CostForecast {
  const monthToDate = daily.reduce((a, b) => a + b, 0);
  const daysInMonth = new Date(now.getFullYear(), now.getMonth() + 1, 0).getDate();
  const dayFraction = (now.getHours() * 3600 + now.getMinutes() * 60 + now.getSeconds()) / 86400;
  const elapsed = now.getDate() - 1 + dayFraction;
  const daysLeft = Math.max(0, daysInMonth - elapsed);
  // Days before the first spend are "not deployed yet", not "spent nothing": leave them out.
  const first = daily.findIndex((v) => v > 0);
  const active = first < 0 ? [] : daily.slice(first);
  const activeElapsed = first < 0 ? 0 : elapsed - first;
  // Complete days only for the trend; today's partial day is scaled up when it is the only data.
  const full = active.slice(0, Math.max(0, active.length - 1)).slice(-14);
  let rate: number;
  let sd = 0;
  if (full.length >= 3) {
    const n = full.length;
    const xm = (n - 1) / 2;
    const ym = full.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (i - xm) * (full[i] - ym);
      sxx += (i - xm) ** 2;
    }
    const slope = sxx ? sxy / sxx : 0;
    // Rate at the middle of the remaining period, never below zero.
    rate = Math.max(0, ym + slope * (n - 1 - xm + daysLeft / 2));
    const resid = full.map((y, i) => y - (ym + slope * (i - xm)));
    sd = Math.sqrt(resid.reduce((a, r) => a + r * r, 0) / Math.max(1, n - 2));
  } else {
    rate = activeElapsed > 0.01 ? monthToDate / activeElapsed : 0;
    sd = rate * 0.5;
  }
  const projected = monthToDate + rate * daysLeft;
  const spread = 1.96 * sd * Math.sqrt(daysLeft);
  return {
    monthToDate,
    projected,
    low: Math.max(monthToDate, projected - spread),
    high: projected + spread,
    daysLeft,
    dailyAverage: activeElapsed > 0 ? monthToDate / Math.max(activeElapsed, 1) : 0,
  };
}
