import {
  Check, Column, Entity, Index, JoinColumn, OneToOne, PrimaryGeneratedColumn, Unique, type Relation,
} from 'typeorm';

// The schema is owned by migrations/; these entities mirror it (a generate finds nothing to do).
// `update: false` mirrors the column privileges of application_role: what it may not UPDATE,
// TypeORM never tries to. `insert: false, update: false` marks what only defaults and triggers
// write (created_at, and updated_at, kept by audit_trigger_function()).

export const USER_STATUSES = ['active', 'inactive', 'suspended', 'deleted'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

@Entity({ name: 'users' })
@Unique('users_email_key', ['email'])
@Unique('users_username_key', ['username'])
@Check('chk_email_format', `email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$'`)
@Check('chk_username_length', 'char_length(username) >= 3 AND char_length(username) <= 50')
@Index('idx_users_email', ['email'])
@Index('idx_users_username', ['username'])
@Index('idx_users_status', ['status'])
@Index('idx_users_created_at', ['createdAt'])
@Index('idx_users_metadata_gin', ['metadata'], { type: 'gin' })
export class User {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'users_pkey' })
  id: string;

  // Registration goes through app_register_user(); the application role cannot INSERT users.
  @Column({ type: 'varchar', length: 255, update: false })
  email: string;

  @Column({ type: 'varchar', length: 50, update: false })
  username: string;

  // The application role has no SELECT on this column: loading it would fail, so it is
  // never selected; login reads it through app_login_candidate().
  @Column({ name: 'password_hash', type: 'varchar', length: 255, select: false })
  passwordHash: string;

  @Column({ name: 'first_name', type: 'varchar', length: 100, nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'varchar', length: 100, nullable: true })
  lastName: string | null;

  @Column({ name: 'avatar_url', type: 'text', nullable: true })
  avatarUrl: string | null;

  @Column({ name: 'email_verified', type: 'boolean', default: false, update: false })
  emailVerified: boolean;

  @Column({ type: 'enum', enum: USER_STATUSES, enumName: 'user_status', default: 'active', update: false })
  status: UserStatus;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  updatedAt: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, unknown>;
}

@Entity({ name: 'user_profiles' })
@Unique('user_profiles_user_id_key', ['userId'])
@Index('idx_user_preferences', ['preferences'], { type: 'gin' })
export class UserProfile {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'user_profiles_pkey' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid', update: false })
  userId: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_user_profiles_user_id' })
  user: Relation<User>;

  @Column({ type: 'text', nullable: true })
  bio: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  location: string | null;

  @Column({ name: 'website_url', type: 'text', nullable: true })
  websiteUrl: string | null;

  // A link's name to its http(s) URL, as the API accepts them.
  @Column({ name: 'social_links', type: 'jsonb', default: {} })
  socialLinks: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  preferences: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  updatedAt: Date;
}
