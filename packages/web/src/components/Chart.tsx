/**
 * uPlot wrapper: fast canvas time series that stay smooth with thousands of points. Resizes with
 * its container, follows the theme, and can draw an expected band and anomaly markers.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useApp } from '../lib/context.js';
import { PALETTE } from '../lib/series.js';

export interface ChartProps {
  xs: number[];
  ys: (number | null)[][];
  labels: string[];
  height?: number;
  /** Formats y values on the axis and in the legend. */
  fmt?: (v: number) => string;
  colors?: string[];
  /** Index pairs [upper, lower] of series to fill between (expected band). */
  bands?: [number, number][];
  /** Series indexes drawn as points only (anomaly markers). */
  pointsOnly?: number[];
  /** Series indexes drawn dashed and without legend noise (band edges). */
  faint?: number[];
  stacked?: boolean;
  title?: string;
  /** Join points across empty buckets (gauges sampled less often than the step). */
  spanGaps?: boolean;
  /** Fixed y range, e.g. [0, 100] for percentages. */
  yRange?: [number, number];
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function Chart(p: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { theme } = useApp();
  const empty = p.xs.length === 0;

  useEffect(() => {
    const host = el.current;
    if (!host || empty) return;
    const axis = cssVar('--muted', '#6b7280');
    const grid = cssVar('--grid', '#e5e7eb');
    const fmt = p.fmt ?? ((v: number) => String(v));
    const colors = p.colors ?? PALETTE;
    // Isolated points between gaps draw nothing as a line; mark points when a series is sparse.
    const sparse = p.ys.map((y) => {
      const n = y.filter((v) => v !== null).length;
      return n < 3 || (!p.spanGaps && n < y.length / 2);
    });
    const opts: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height: p.height ?? 200,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, ...(p.yRange ? { y: { range: p.yRange } } : {}) },
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          size: 64,
          values: (_u, vals) => vals.map((v) => (v === null ? '' : fmt(v))),
        },
      ],
      series: [
        {},
        ...p.labels.map((label, i) => {
          const color = colors[i % colors.length];
          const isPoints = p.pointsOnly?.includes(i);
          const isFaint = p.faint?.includes(i);
          return {
            label,
            stroke: isFaint ? `${color}66` : color,
            width: isPoints ? 0 : isFaint ? 1 : 1.5,
            dash: isFaint ? [4, 4] : undefined,
            fill: p.stacked ? `${color}22` : undefined,
            spanGaps: p.spanGaps ?? false,
            points: isPoints
              ? { show: true, size: 9, fill: color, stroke: color }
              : sparse[i]
                ? { show: true, size: 4, fill: color, stroke: color }
                : { show: false },
            value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : fmt(v)),
          } satisfies uPlot.Series;
        }),
      ],
      bands: p.bands?.map(([a, b]) => ({
        series: [a + 1, b + 1] as [number, number],
        fill: `${colors[a % colors.length]}1f`,
      })),
    };
    const u = new uPlot(opts, [p.xs, ...p.ys] as uPlot.AlignedData, host);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: p.height ?? 200 });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuild when the shape changes; data-only changes go through setData below.
  }, [p.labels.join('\u0000'), p.height, p.stacked, p.spanGaps, theme, empty]);

  useEffect(() => {
    plot.current?.setData([p.xs, ...p.ys] as uPlot.AlignedData);
  }, [p.xs, p.ys]);

  return (
    <figure class="chart">
      {p.title && <figcaption>{p.title}</figcaption>}
      {empty ? <div class="chart-empty">No data in this range</div> : <div ref={el} />}
    </figure>
  );
}
