/** Loads the NAB corpus: every data/<folder>/<file>.csv with its labelled windows as row ranges. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NabSeries {
  key: string;
  times: Float64Array;
  values: Float64Array;
  windows: [number, number][];
}

export function parseNabTime(s: string): number {
  return Date.parse(
    `${s
      .trim()
      .replace(' ', 'T')
      .replace(/\.\d+$/, '')}Z`,
  );
}

export function loadNab(dir: string, filter?: (key: string) => boolean): NabSeries[] {
  const windows = JSON.parse(readFileSync(join(dir, 'combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  const out: NabSeries[] = [];
  for (const folder of readdirSync(join(dir, 'data')).sort()) {
    for (const file of readdirSync(join(dir, 'data', folder)).sort()) {
      if (!file.endsWith('.csv')) continue;
      const key = `${folder}/${file}`;
      if (filter && !filter(key)) continue;
      const lines = readFileSync(join(dir, 'data', folder, file), 'utf8')
        .split('\n')
        .slice(1);
      const times: number[] = [];
      const values: number[] = [];
      for (const line of lines) {
        if (!line.trim()) continue;
        const [t, v] = line.split(',');
        times.push(parseNabTime(t));
        values.push(Number(v));
      }
      const index = new Map(times.map((t, i) => [t, i]));
      const w = (windows[key] ?? []).map(([a, b]): [number, number] => {
        const ia = index.get(parseNabTime(a));
        const ib = index.get(parseNabTime(b));
        if (ia === undefined || ib === undefined) throw new Error(`${key}: window ${a}..${b} not on a row`);
        return [ia, ib];
      });
      out.push({ key, times: Float64Array.from(times), values: Float64Array.from(values), windows: w });
    }
  }
  return out;
}
