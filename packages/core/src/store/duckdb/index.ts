export { InvalidCursorError } from '../cursor.js';
export { DuckDbStore, type DuckDbStoreOptions } from './duckdb-store.js';
export { MIGRATIONS } from './migrations.js';
