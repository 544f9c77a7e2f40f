import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { TimeRangeState } from './time.js';

export interface AppState {
  range: TimeRangeState;
  /** Increments on every refresh (manual, timer or live update); data hooks depend on it. */
  tick: number;
  refresh: () => void;
  theme: 'light' | 'dark';
}

export const AppContext = createContext<AppState>(null as unknown as AppState);
export const useApp = (): AppState => useContext(AppContext);
