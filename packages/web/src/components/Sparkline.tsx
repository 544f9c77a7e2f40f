/** A tiny SVG trend line for stat cards: cheap enough to draw dozens per page. */
export function Sparkline({
  values,
  color = 'var(--accent)',
  width = 120,
  height = 28,
}: {
  values: number[];
  color?: string;
  width?: number;
  height?: number;
}) {
  const vs = values.filter((v) => Number.isFinite(v));
  if (vs.length < 2) return <svg class="spark" width={width} height={height} aria-hidden="true" />;
  const min = Math.min(...vs);
  const max = Math.max(...vs);
  const span = max - min || 1;
  const step = width / (vs.length - 1);
  const pts = vs.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`,
  );
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      <polyline points={`0,${height} ${pts.join(' ')} ${width},${height}`} fill={color} opacity="0.12" stroke="none" />
      <polyline points={pts.join(' ')} fill="none" stroke={color} stroke-width="1.5" stroke-linejoin="round" />
    </svg>
  );
}
