import type { AuditRepo } from '../types.ts';
import { lim } from '../sqlite/db.ts';
import { rowToAuditEntry } from '../sqlite/audit.ts';
import { conditions } from '../sqlite/paging.ts';
import { txt, type Db, type Param } from './db.ts';

// The audit log (migration v2) in the PostgreSQL store: append-only, never touched by retention
// (retention.ts does not know the table), newest first by id as sqlite/audit.ts lists it.

export function createAuditRepo(db: Db): AuditRepo {
  return {
    async append(e) {
      const r = await db.get(
        `INSERT INTO audit_log (at, action, identity, actor, remote_addr, target, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [e.at, e.action, txt(e.identity), txt(e.actor), txt(e.remoteAddr), txt(e.target), txt(e.reason)],
      );
      if (!r) throw new Error('audit_log insert returned no row');
      return rowToAuditEntry(r);
    },
    async list({ limit, beforeId, target }) {
      const where = conditions();
      if (beforeId !== undefined) where.add('id < ?', beforeId);
      if (target !== undefined) where.add('target = ?', target);
      const rows = await db.all(
        `SELECT * FROM audit_log ${where.clause()} ORDER BY id DESC LIMIT ${lim(limit)}`,
        where.params as Param[],
      );
      return rows.map(rowToAuditEntry);
    },
  };
}
