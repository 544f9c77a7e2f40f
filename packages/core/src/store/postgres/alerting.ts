/**
 * PostgreSQL storage for alerting configuration (rules, channels, silences) and the delivery log.
 * Records are small and read whole, so each row keeps the record as jsonb next to the few columns
 * that filter and order it; a new rule field then needs no migration.
 */
import type { AlertRule, DeliveryRecord, NotificationChannel, Silence } from '../../alerting/types.js';
import type { Sql } from './connect.js';
import { jsonParam } from './copy.js';
import type { Migration } from './migrations.js';
import { jsonOr, type Row } from './sql-util.js';

export const ALERTING_MIGRATION: Migration = {
  version: 3,
  name: 'alerting',
  sql: `
CREATE TABLE {{schema}}.alert_rules (
  project text NOT NULL,
  id text NOT NULL,
  created_us bigint NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (project, id)
);
CREATE TABLE {{schema}}.notification_channels (
  project text NOT NULL,
  id text NOT NULL,
  created_us bigint NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (project, id)
);
CREATE TABLE {{schema}}.silences (
  project text NOT NULL,
  id text NOT NULL,
  starts_us bigint NOT NULL,
  ends_us bigint NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (project, id)
);
CREATE TABLE {{schema}}.alert_deliveries (
  project text NOT NULL,
  id text NOT NULL,
  alert_id text,
  channel_id text NOT NULL,
  time_us bigint NOT NULL,
  doc jsonb NOT NULL,
  PRIMARY KEY (project, id)
);
CREATE INDEX alert_deliveries_alert_idx ON {{schema}}.alert_deliveries (project, alert_id, time_us DESC);
`,
};

type Table = 'alert_rules' | 'notification_channels';

async function upsertDoc(sql: Sql, t: string, table: Table, r: { project: string; id: string; createdUs: number }) {
  await sql.unsafe(
    `INSERT INTO ${t}.${table} (project, id, created_us, doc) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (project, id) DO UPDATE SET created_us = excluded.created_us, doc = excluded.doc`,
    [r.project, r.id, Math.trunc(r.createdUs), jsonParam(r)] as never,
  );
}

async function listDocs<T>(sql: Sql, t: string, table: string, where: string, params: unknown[], order: string) {
  const rows = await sql.unsafe(`SELECT doc FROM ${t}.${table} WHERE ${where} ORDER BY ${order}`, params as never);
  return rows.map((r: Row) => jsonOr<T>(r.doc, null as T));
}

async function deleteDoc(sql: Sql, t: string, table: string, project: string, id: string): Promise<boolean> {
  return (await sql.unsafe(`DELETE FROM ${t}.${table} WHERE project = $1 AND id = $2`, [project, id])).count > 0;
}

export const upsertAlertRule = (sql: Sql, t: string, r: AlertRule) => upsertDoc(sql, t, 'alert_rules', r);
export const listAlertRules = (sql: Sql, t: string, project: string) =>
  listDocs<AlertRule>(sql, t, 'alert_rules', 'project = $1', [project], 'created_us, id COLLATE "C"');
export const deleteAlertRule = (sql: Sql, t: string, project: string, id: string) =>
  deleteDoc(sql, t, 'alert_rules', project, id);

export const upsertChannel = (sql: Sql, t: string, c: NotificationChannel) =>
  upsertDoc(sql, t, 'notification_channels', c);
export const listChannels = (sql: Sql, t: string, project: string) =>
  listDocs<NotificationChannel>(
    sql,
    t,
    'notification_channels',
    'project = $1',
    [project],
    'created_us, id COLLATE "C"',
  );
export const deleteChannel = (sql: Sql, t: string, project: string, id: string) =>
  deleteDoc(sql, t, 'notification_channels', project, id);

export async function upsertSilence(sql: Sql, t: string, s: Silence): Promise<void> {
  await sql.unsafe(
    `INSERT INTO ${t}.silences (project, id, starts_us, ends_us, doc) VALUES ($1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (project, id) DO UPDATE SET starts_us = excluded.starts_us, ends_us = excluded.ends_us,
       doc = excluded.doc`,
    [s.project, s.id, Math.trunc(s.startsUs), Math.trunc(s.endsUs), jsonParam(s)] as never,
  );
}
export function listSilences(sql: Sql, t: string, project: string, q: { activeAtUs?: number } = {}) {
  if (q.activeAtUs == null)
    return listDocs<Silence>(sql, t, 'silences', 'project = $1', [project], 'starts_us DESC, id COLLATE "C"');
  const at = Math.trunc(q.activeAtUs);
  return listDocs<Silence>(
    sql,
    t,
    'silences',
    'project = $1 AND starts_us <= $2 AND ends_us > $2',
    [project, at],
    'starts_us DESC, id COLLATE "C"',
  );
}
export const deleteSilence = (sql: Sql, t: string, project: string, id: string) =>
  deleteDoc(sql, t, 'silences', project, id);

export async function insertDeliveries(sql: Sql, t: string, rows: readonly DeliveryRecord[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.unsafe(
    `INSERT INTO ${t}.alert_deliveries (project, id, alert_id, channel_id, time_us, doc)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::jsonb[])
     ON CONFLICT (project, id) DO UPDATE SET doc = excluded.doc`,
    [
      rows.map((d) => d.project),
      rows.map((d) => d.id),
      rows.map((d) => d.alertId),
      rows.map((d) => d.channelId),
      rows.map((d) => Math.trunc(d.timeUs)),
      rows.map((d) => jsonParam(d)),
    ] as never,
  );
}

export function listDeliveries(
  sql: Sql,
  t: string,
  project: string,
  q: { alertId?: string; channelId?: string; limit: number },
): Promise<DeliveryRecord[]> {
  const where = ['project = $1'];
  const params: unknown[] = [project];
  if (q.alertId != null) {
    params.push(q.alertId);
    where.push(`alert_id = $${params.length}`);
  }
  if (q.channelId != null) {
    params.push(q.channelId);
    where.push(`channel_id = $${params.length}`);
  }
  return listDocs<DeliveryRecord>(
    sql,
    t,
    'alert_deliveries',
    where.join(' AND '),
    params,
    `time_us DESC, id COLLATE "C" LIMIT ${Math.max(0, Math.floor(q.limit))}`,
  );
}
