/**
 * DuckDB storage for alerting configuration (rules, channels, silences) and the delivery log.
 * Records are small and read whole, so each row keeps the record as a JSON document next to the few
 * columns that filter and order it; the schema then never needs a migration for a new rule field.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AlertRule, DeliveryRecord, NotificationChannel, Silence } from '../../alerting/types.js';
import type { Migration } from './migrations.js';
import { inTransaction, type Param, query } from './sql.js';

export const ALERTING_MIGRATION: Migration = {
  version: 3,
  name: 'alerting',
  sql: `
CREATE TABLE alert_rules (
  project VARCHAR NOT NULL,
  id VARCHAR NOT NULL,
  created_us BIGINT NOT NULL,
  doc JSON NOT NULL,
  PRIMARY KEY (project, id)
);
CREATE TABLE notification_channels (
  project VARCHAR NOT NULL,
  id VARCHAR NOT NULL,
  created_us BIGINT NOT NULL,
  doc JSON NOT NULL,
  PRIMARY KEY (project, id)
);
CREATE TABLE silences (
  project VARCHAR NOT NULL,
  id VARCHAR NOT NULL,
  starts_us BIGINT NOT NULL,
  ends_us BIGINT NOT NULL,
  doc JSON NOT NULL,
  PRIMARY KEY (project, id)
);
CREATE TABLE alert_deliveries (
  project VARCHAR NOT NULL,
  id VARCHAR NOT NULL,
  alert_id VARCHAR,
  channel_id VARCHAR NOT NULL,
  time_us BIGINT NOT NULL,
  doc JSON NOT NULL
);
`,
};

type Table = 'alert_rules' | 'notification_channels';

async function upsertDoc(c: DuckDBConnection, table: Table, r: { project: string; id: string; createdUs: number }) {
  await c.run(`INSERT OR REPLACE INTO ${table} (project, id, created_us, doc) VALUES (?, ?, ?, ?)`, [
    r.project,
    r.id,
    Math.trunc(r.createdUs),
    JSON.stringify(r),
  ]);
}

async function listDocs<T>(c: DuckDBConnection, table: string, where: string, params: Param[], order: string) {
  const rows = await query(c, `SELECT doc FROM ${table} WHERE ${where} ORDER BY ${order}`, params);
  return rows.map((r) => JSON.parse(r.doc as string) as T);
}

async function deleteDoc(c: DuckDBConnection, table: string, project: string, id: string): Promise<boolean> {
  return (await c.run(`DELETE FROM ${table} WHERE project = ? AND id = ?`, [project, id])).rowsChanged > 0;
}

export const upsertAlertRule = (c: DuckDBConnection, r: AlertRule) => upsertDoc(c, 'alert_rules', r);
export const listAlertRules = (c: DuckDBConnection, project: string) =>
  listDocs<AlertRule>(c, 'alert_rules', 'project = ?', [project], 'created_us, id');
export const deleteAlertRule = (c: DuckDBConnection, project: string, id: string) =>
  deleteDoc(c, 'alert_rules', project, id);

export const upsertChannel = (c: DuckDBConnection, ch: NotificationChannel) =>
  upsertDoc(c, 'notification_channels', ch);
export const listChannels = (c: DuckDBConnection, project: string) =>
  listDocs<NotificationChannel>(c, 'notification_channels', 'project = ?', [project], 'created_us, id');
export const deleteChannel = (c: DuckDBConnection, project: string, id: string) =>
  deleteDoc(c, 'notification_channels', project, id);

export async function upsertSilence(c: DuckDBConnection, s: Silence): Promise<void> {
  await c.run('INSERT OR REPLACE INTO silences (project, id, starts_us, ends_us, doc) VALUES (?, ?, ?, ?, ?)', [
    s.project,
    s.id,
    Math.trunc(s.startsUs),
    Math.trunc(s.endsUs),
    JSON.stringify(s),
  ]);
}
export function listSilences(c: DuckDBConnection, project: string, q: { activeAtUs?: number } = {}) {
  if (q.activeAtUs == null) return listDocs<Silence>(c, 'silences', 'project = ?', [project], 'starts_us DESC, id');
  const at = Math.trunc(q.activeAtUs);
  return listDocs<Silence>(
    c,
    'silences',
    'project = ? AND starts_us <= ? AND ends_us > ?',
    [project, at, at],
    'starts_us DESC, id',
  );
}
export const deleteSilence = (c: DuckDBConnection, project: string, id: string) =>
  deleteDoc(c, 'silences', project, id);

export async function insertDeliveries(c: DuckDBConnection, rows: readonly DeliveryRecord[]): Promise<void> {
  if (rows.length === 0) return;
  await inTransaction(c, async () => {
    for (const d of rows) {
      await c.run(
        'INSERT INTO alert_deliveries (project, id, alert_id, channel_id, time_us, doc) VALUES (?, ?, ?, ?, ?, ?)',
        [d.project, d.id, d.alertId, d.channelId, Math.trunc(d.timeUs), JSON.stringify(d)],
      );
    }
  });
}

export function listDeliveries(
  c: DuckDBConnection,
  project: string,
  q: { alertId?: string; channelId?: string; limit: number },
): Promise<DeliveryRecord[]> {
  const where = ['project = ?'];
  const params: Param[] = [project];
  if (q.alertId != null) {
    where.push('alert_id = ?');
    params.push(q.alertId);
  }
  if (q.channelId != null) {
    where.push('channel_id = ?');
    params.push(q.channelId);
  }
  return listDocs<DeliveryRecord>(
    c,
    'alert_deliveries',
    where.join(' AND '),
    params,
    `time_us DESC, id LIMIT ${Math.max(0, Math.floor(q.limit))}`,
  );
}
