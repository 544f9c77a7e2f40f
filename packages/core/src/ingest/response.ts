import type { OtlpFormat, OtlpSignal } from './types.js';

export function encodeOtlpResponse(
  signal: OtlpSignal,
  format: OtlpFormat,
  rejected: number,
  message: string | null,
): Uint8Array | string {
  void signal;
  void rejected;
  void message;
  return format === 'json' ? '{}' : new Uint8Array(0);
}
