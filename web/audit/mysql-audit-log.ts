import type { ResultSetHeader } from 'mysql2/promise';
import type { Execute } from '../mysql/deadline.js';
import type { MysqlRunner, Row } from '../mysql/runner.js';
import type { AuditEvent, AuditLog, AuditPage, AuditQuery, AuditValues, NewAuditEvent } from './audit-event.js';

const INSERT =
  'INSERT INTO audit_events (at, actor_user_id, actor_username, actor_token_id, action, target_type, target_id, ' +
  'before_values, after_values, client_ip, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Adds `event` on the connection of the transaction that makes the change it describes. */
export async function insertAuditEvent(execute: Execute, event: NewAuditEvent, at = new Date()): Promise<void> {
  const actor = event.context.actor;
  await execute(INSERT, [
    at,
    actor ? String(actor.userId) : null,
    actor?.username ?? null,
    actor?.tokenId !== undefined ? String(actor.tokenId) : null,
    event.action,
    event.target.type,
    event.target.id,
    event.before ? JSON.stringify(event.before) : null,
    event.after ? JSON.stringify(event.after) : null,
    event.context.clientIp,
    event.context.requestId,
  ]);
}

interface EventRow extends Row {
  id: number;
  at: Date;
  actor_user_id: number | null;
  actor_username: string | null;
  actor_token_id: number | null;
  action: AuditEvent['action'];
  target_type: AuditEvent['target']['type'];
  target_id: string;
  before_values: string | null;
  after_values: string | null;
  client_ip: string;
  request_id: string;
}

const values = (json: string | null): AuditValues | undefined => (json === null ? undefined : (JSON.parse(json) as AuditValues));

function toEvent(row: EventRow): AuditEvent {
  const before = values(row.before_values);
  const after = values(row.after_values);
  return {
    id: Number(row.id),
    at: row.at,
    ...(row.actor_user_id !== null && {
      actor: {
        userId: Number(row.actor_user_id),
        username: row.actor_username ?? '',
        ...(row.actor_token_id !== null && { tokenId: Number(row.actor_token_id) }),
      },
    }),
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    ...(before && { before }),
    ...(after && { after }),
    clientIp: row.client_ip,
    requestId: row.request_id,
  };
}

/** The audit trail in the audit_events table (migration 004). */
export class MysqlAuditLog implements AuditLog {
  constructor(private readonly db: MysqlRunner) {}

  async record(event: NewAuditEvent): Promise<void> {
    await this.db.run((execute) => insertAuditEvent(execute, event));
  }

  async list(query: AuditQuery): Promise<AuditPage> {
    const where: string[] = [];
    const params: string[] = [];
    if (query.actor !== undefined) {
      where.push('actor_username = ?');
      params.push(query.actor);
    }
    if (query.productId !== undefined) {
      where.push("target_type = 'product' AND target_id = ?");
      params.push(query.productId);
    }
    if (query.action !== undefined) {
      where.push('action = ?');
      params.push(query.action);
    }
    if (query.olderThan !== undefined) {
      where.push('id < ?');
      params.push(String(query.olderThan));
    }
    const rows = await this.db.query<EventRow[]>(
      `SELECT * FROM audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, String(query.limit + 1)],
    );
    return { events: rows.slice(0, query.limit).map(toEvent), hasOlder: rows.length > query.limit };
  }

  async sweep(before: Date, batch: number): Promise<number> {
    // Oldest first, a bounded batch at a time: replicas sweeping together only share the work.
    const result = await this.db.query<ResultSetHeader>(
      'DELETE FROM audit_events WHERE at < ? ORDER BY id LIMIT ?',
      [before, String(batch)],
    );
    return result.affectedRows;
  }
}
