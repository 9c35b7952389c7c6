import type { AuditEntry, AuditRepo } from '../types.ts';
import { lim, reqNum, reqStr, str, type Row, type Sql } from './db.ts';
import type { SyncRepo } from './sync.ts';

// The audit log (migration 'audit_log'): append-only, never touched by retention.

export const rowToAuditEntry = (r: Row): AuditEntry => ({
  id: reqNum(r, 'id'),
  at: reqNum(r, 'at'),
  action: 'unmask',
  identity: reqStr(r, 'identity'),
  actor: str(r, 'actor'),
  remoteAddr: reqStr(r, 'remote_addr'),
  target: reqStr(r, 'target'),
  reason: str(r, 'reason'),
});

export function createAuditRepo(sql: Sql): SyncRepo<AuditRepo> {
  return {
    append(e) {
      const r = sql.get(
        `INSERT INTO audit_log (at, action, identity, actor, remote_addr, target, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [e.at, e.action, e.identity, e.actor, e.remoteAddr, e.target, e.reason],
      );
      return rowToAuditEntry(r!);
    },
    list({ limit, beforeId, target }) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (beforeId !== undefined) {
        where.push('id < ?');
        params.push(beforeId);
      }
      if (target !== undefined) {
        where.push('target = ?');
        params.push(target);
      }
      return sql
        .all(
          `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${lim(limit)}`,
          params,
        )
        .map(rowToAuditEntry);
    },
  };
}
