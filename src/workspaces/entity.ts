import {
  Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation,
} from 'typeorm';
import { User } from '../users/entity';

// Mirrors migrations/ (see src/users/entity.ts for what update/insert: false mean here).

export const WORKSPACE_ROLES = ['owner', 'admin', 'member', 'guest'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

@Entity({ name: 'workspaces' })
@Unique('workspaces_slug_key', ['slug'])
@Check('chk_workspace_slug_format', `slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'`)
@Check('chk_workspace_name_not_empty', 'char_length(btrim(name)) > 0')
@Index('idx_workspaces_owner_id', ['ownerId'])
export class Workspace {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'workspaces_pkey' })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'varchar', length: 63 })
  slug: string;

  // An insert trigger makes the owner a workspace member with role 'owner'.
  @Column({ name: 'owner_id', type: 'uuid', update: false })
  ownerId: string;

  @ManyToOne(() => User)
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'fk_workspaces_owner_id' })
  owner: Relation<User>;

  @Column({ type: 'jsonb', default: {} })
  settings: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  updatedAt: Date;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt: Date | null;

  // Not a column: my own membership, joined by WorkspaceRepository (leftJoinAndMapOne) for my role.
  myMembership?: WorkspaceMember | null;
}

// (workspace_id, user_id) is the target of the membership foreign keys of projects,
// project_members and tasks: removing someone from a workspace cascades from here.
@Entity({ name: 'workspace_members' })
@Unique('workspace_members_workspace_user_key', ['workspaceId', 'userId'])
@Index('idx_workspace_members_user', ['userId', 'workspaceId', 'role'])
export class WorkspaceMember {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'workspace_members_pkey' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', update: false })
  workspaceId: string;

  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id', foreignKeyConstraintName: 'fk_workspace_members_workspace_id' })
  workspace: Relation<Workspace>;

  @Column({ name: 'user_id', type: 'uuid', update: false })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_workspace_members_user_id' })
  user: Relation<User>;

  // Ordered owner < admin < member < guest: the policies test `role <= 'admin'`.
  @Column({ type: 'enum', enum: WORKSPACE_ROLES, enumName: 'workspace_role', default: 'member' })
  role: WorkspaceRole;

  @Column({ name: 'joined_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  joinedAt: Date;
}
