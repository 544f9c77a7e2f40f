/** PostgreSQL's values for the shared row mappers (../rows.ts). */
import type { RowValues } from '../rows.js';
import { unescapeNul, unescapeNulOrNull } from './copy.js';
import { jsonOr, num, numOrNull, strOrNull } from './sql-util.js';

/** int8 and numeric arrive as strings, jsonb already parsed; free text was NUL-escaped for COPY. */
export const values: RowValues = {
  num,
  numOrNull,
  strOrNull,
  json: jsonOr,
  text: (v) => unescapeNul(v as string),
  textOrNull: unescapeNulOrNull,
};
