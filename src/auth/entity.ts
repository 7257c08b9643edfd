import {
  Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation,
} from 'typeorm';
import { User } from '../users/entity';

// Mirrors migrations/ (see src/users/entity.ts for what update/insert: false mean here).

@Entity({ name: 'user_sessions' })
@Unique('user_sessions_session_token_key', ['sessionToken'])
@Unique('user_sessions_refresh_token_key', ['refreshToken'])
@Index('idx_user_sessions_user_id', ['userId'])
@Index('idx_user_sessions_token', ['sessionToken'])
@Index('idx_user_sessions_expires_at', ['expiresAt'])
@Index('idx_user_sessions_user_active', ['userId', 'isActive'])
export class UserSession {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'user_sessions_pkey' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid', update: false })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_user_sessions_user_id' })
  user: Relation<User>;

  // A SHA-256 of the session id, never the id itself: a leaked table cannot hijack sessions.
  @Column({ name: 'session_token', type: 'varchar', length: 255, update: false })
  sessionToken: string;

  @Column({ name: 'refresh_token', type: 'varchar', length: 255, nullable: true, update: false })
  refreshToken: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'ip_address', type: 'inet', nullable: true, update: false })
  ipAddress: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true, update: false })
  userAgent: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;
}

// Tokens are immutable: revoking one deletes it.
@Entity({ name: 'api_tokens' })
@Unique('api_tokens_token_hash_key', ['tokenHash'])
@Check('chk_api_token_name_not_empty', 'char_length(name) > 0')
@Index('idx_api_tokens_user_id', ['userId'])
export class ApiToken {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'api_tokens_pkey' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid', update: false })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_api_tokens_user_id' })
  user: Relation<User>;

  @Column({ type: 'varchar', length: 100, update: false })
  name: string;

  // SHA-256 hex of the token; the token itself is shown once and never stored.
  @Column({ name: 'token_hash', type: 'varchar', length: 64, update: false })
  tokenHash: string;

  // The first characters of the token, so a user can tell their tokens apart.
  @Column({ name: 'token_prefix', type: 'varchar', length: 16, update: false })
  tokenPrefix: string;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true, update: false })
  expiresAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;
}
