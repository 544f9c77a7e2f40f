/** Global time-range picker (relative presets or an absolute window) and auto-refresh control. */
import { useState } from 'preact/hooks';
import { setParams } from '../lib/router.js';
import { fmtInput, REFRESH_OPTIONS, RELATIVE_RANGES, type TimeRangeState } from '../lib/time.js';

export function TimePicker({ range, refresh }: { range: TimeRangeState; refresh: string }) {
  const [custom, setCustom] = useState(false);
  const [from, setFrom] = useState(fmtInput(range.from));
  const [to, setTo] = useState(fmtInput(range.to));
  const value = custom || !range.relative ? 'custom' : range.relative;

  const onSelect = (v: string) => {
    if (v === 'custom') {
      setFrom(fmtInput(range.from));
      setTo(fmtInput(range.to));
      setCustom(true);
      return;
    }
    setCustom(false);
    setParams({ range: v, from: null, to: null }, false);
  };
  const apply = (e: Event) => {
    e.preventDefault();
    const f = new Date(from).getTime();
    const t = new Date(to).getTime();
    if (!Number.isFinite(f) || !Number.isFinite(t) || t <= f) return;
    setCustom(false);
    setParams({ range: null, from: new Date(f).toISOString(), to: new Date(t).toISOString() }, false);
  };

  return (
    <div class="timepicker">
      <label class="sr-only" for="range-select">
        Time range
      </label>
      <select id="range-select" value={value} onChange={(e) => onSelect((e.target as HTMLSelectElement).value)}>
        {RELATIVE_RANGES.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
        <option value="custom">
          {range.relative
            ? 'Custom range…'
            : `${fmtInput(range.from).replace('T', ' ')} → ${fmtInput(range.to).replace('T', ' ')}`}
        </option>
      </select>
      {custom && (
        <form class="custom-range" onSubmit={apply}>
          <label>
            From{' '}
            <input type="datetime-local" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            To <input type="datetime-local" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Apply</button>
          <button type="button" class="ghost" onClick={() => setCustom(false)}>
            Cancel
          </button>
        </form>
      )}
      <label class="refresh-label">
        <span class="muted">Auto-refresh</span>
        <select
          aria-label="Auto-refresh"
          value={refresh}
          onChange={(e) =>
            setParams({
              refresh: (e.target as HTMLSelectElement).value === 'off' ? null : (e.target as HTMLSelectElement).value,
            })
          }
        >
          {REFRESH_OPTIONS.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
