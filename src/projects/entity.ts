import {
  Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation,
} from 'typeorm';
import { User } from '../users/entity';
import { Workspace, WorkspaceMember } from '../workspaces/entity';

// Mirrors migrations/ (see src/users/entity.ts for what update/insert: false mean here).
// The composite foreign keys keep workspace_id equal to the parent's, so a row can never
// point into another tenant.

export const PROJECT_STATUSES = ['active', 'completed', 'archived', 'cancelled'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];
export const PROJECT_VISIBILITIES = ['private', 'internal', 'public'] as const;
export type ProjectVisibility = (typeof PROJECT_VISIBILITIES)[number];
export const PROJECT_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

@Entity({ name: 'projects' })
@Unique('projects_id_workspace_key', ['id', 'workspaceId'])
@Check('chk_project_name_not_empty', 'char_length(btrim(name)) > 0')
@Index('idx_projects_owner_id', ['ownerId'])
@Index('idx_projects_status', ['status'])
@Index('idx_projects_created_at', ['createdAt'])
@Index('idx_projects_settings_gin', ['settings'], { type: 'gin' })
@Index('idx_projects_workspace_created', ['workspaceId', 'createdAt', 'id'])
@Index('idx_projects_workspace_visibility', ['workspaceId', 'visibility'])
// An expression index ((settings -> 'theme')): TypeORM cannot describe it, the migration owns it.
@Index('idx_project_settings_theme', { synchronize: false })
export class Project {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'projects_pkey' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', update: false })
  workspaceId: string;

  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id', foreignKeyConstraintName: 'fk_projects_workspace_id' })
  workspace: Relation<Workspace>;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  // An insert trigger makes the owner a project member with role 'owner'.
  @Column({ name: 'owner_id', type: 'uuid', update: false })
  ownerId: string;

  @ManyToOne(() => User)
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'fk_projects_owner_id' })
  owner: Relation<User>;

  // The owner must be a member of the project's workspace.
  @ManyToOne(() => WorkspaceMember)
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId', foreignKeyConstraintName: 'fk_projects_owner_membership' },
    { name: 'owner_id', referencedColumnName: 'userId' },
  ])
  ownerMembership: Relation<WorkspaceMember>;

  @Column({ type: 'enum', enum: PROJECT_STATUSES, enumName: 'project_status', default: 'active' })
  status: ProjectStatus;

  @Column({ type: 'enum', enum: PROJECT_VISIBILITIES, enumName: 'project_visibility', default: 'private' })
  visibility: ProjectVisibility;

  @Column({ type: 'jsonb', default: {} })
  settings: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  updatedAt: Date;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt: Date | null;
}

@Entity({ name: 'project_members' })
@Unique('project_members_project_user_key', ['projectId', 'userId'])
@Index('idx_project_members_project_role', ['projectId', 'role'])
@Index('idx_project_members_user', ['userId', 'projectId', 'role'])
@Index('idx_project_members_workspace_user', ['workspaceId', 'userId'])
export class ProjectMember {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'project_members_pkey' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', update: false })
  workspaceId: string;

  @Column({ name: 'project_id', type: 'uuid', update: false })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'fk_project_members_project_id' })
  project: Relation<Project>;

  // Tenant consistency: workspace_id is the project's.
  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'project_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_project_members_project_workspace' },
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
  ])
  projectInWorkspace: Relation<Project>;

  @Column({ name: 'user_id', type: 'uuid', update: false })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_project_members_user_id' })
  user: Relation<User>;

  // A project member is a member of the workspace; leaving the workspace cascades here.
  @ManyToOne(() => WorkspaceMember, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId', foreignKeyConstraintName: 'fk_project_members_workspace_membership' },
    { name: 'user_id', referencedColumnName: 'userId' },
  ])
  workspaceMembership: Relation<WorkspaceMember>;

  // Ordered owner < admin < member < viewer: the policies test `role <= 'member'`.
  @Column({ type: 'enum', enum: PROJECT_ROLES, enumName: 'project_role', default: 'member' })
  role: ProjectRole;

  @Column({ type: 'jsonb', default: {} })
  permissions: Record<string, unknown>;

  @Column({ name: 'joined_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  joinedAt: Date;
}
