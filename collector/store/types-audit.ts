// Store shapes of the audit log: who saw what the masking policy hides (collector/masking).

export type AuditAction = 'unmask';

export interface NewAuditEntry {
  readonly at: number;
  readonly action: AuditAction;
  /** The permission used ('operator'); the collector has no user accounts. */
  readonly identity: string;
  /** Who the caller says they are (`X-Causeway-Actor`), or null; not proof, kept for the reader. */
  readonly actor: string | null;
  readonly remoteAddr: string;
  /** What was revealed: a record id `topic:partition:offset`. */
  readonly target: string;
  readonly reason: string | null;
}

export interface AuditEntry extends NewAuditEntry {
  readonly id: number;
}

export interface AuditRepo {
  append(e: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first; `beforeId` pages back. */
  list(opts: { limit: number; beforeId?: number; target?: string }): Promise<AuditEntry[]>;
}
