export { DuckDbStore, type DuckDbStoreOptions } from './duckdb-store.js';
export { MIGRATIONS } from './migrations.js';
export { InvalidCursorError } from './sql.js';
