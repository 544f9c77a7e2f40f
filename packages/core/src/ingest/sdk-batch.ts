import { IngestError, type NormalizeContext, type SdkBatchResult } from './types.js';

export function normalizeSdkBatch(body: unknown, ctx: NormalizeContext): SdkBatchResult {
  void body;
  void ctx;
  throw new IngestError('not implemented yet', 'not_implemented', 501);
}
